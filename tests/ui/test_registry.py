"""The Filter-menu and dock registries (editor.ui.registry.Registry behind both)."""

from __future__ import annotations

import pytest

from editor.ui.docks import DockSpec, docks, register_dock, unregister_dock
from editor.ui.filters import FilterAction, filters, register_filter, unregister_filter


def test_registering_an_id_again_replaces_the_entry_in_place():
    first = register_filter(FilterAction("test-a", "A", lambda h: None))
    register_filter(FilterAction("test-b", "B", lambda h: None))
    try:
        register_filter(FilterAction("test-a", "A again", lambda h: None))
        ids = [f.id for f in filters()]
        assert ids.index("test-a") < ids.index("test-b")
        assert next(f for f in filters() if f.id == "test-a").title == "A again"
        assert first not in filters()
    finally:
        unregister_filter("test-a")
        unregister_filter("test-b")
    assert "test-a" not in [f.id for f in filters()]


def test_entries_without_id_or_title_and_docks_in_unknown_areas_are_refused():
    with pytest.raises(ValueError, match="a filter needs an id and a title"):
        register_filter(FilterAction("", "No id", lambda h: None))
    with pytest.raises(ValueError, match="a dock needs an id and a title"):
        register_dock(DockSpec("test-dock", "", lambda h: None))
    with pytest.raises(ValueError, match="unknown dock area 'top'"):
        register_dock(DockSpec("test-dock", "Test", lambda h: None, area="top"))
    assert "test-dock" not in [d.id for d in docks()]
    unregister_dock("test-dock")  # unknown ids are ignored
