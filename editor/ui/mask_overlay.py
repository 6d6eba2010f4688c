"""When the canvas shows the red AI-mask overlay: one rule, decided here and nowhere else.

The overlay is shown while

* the Mask Brush paints (or, with Subtract, erases) the AI mask: you never paint a
  mask blind (Krita shows a selection mask while it is the one being edited), or
* an open AI dialog works on the AI mask (Remove / Inpaint with *Mask: AI mask*, Style
  Transfer with *Only inside AI mask* ticked): you see the area it will process, or
* View ▸ Show AI Mask (Ctrl+H) is on: the user's own switch to see it with every tool;

and hidden otherwise. Nothing else shows or hides it: a fill landing, undo, redo, an
upscale or a style result never changes it, and the mask itself is kept either way
(Select ▸ Clear AI Mask removes it). A mixin of :class:`editor.ui.canvas.Canvas`.
"""

from __future__ import annotations

AI_MASK_TOOL = "mask-brush"
AI_MASK_TARGET = "ai_mask"


def ai_mask_overlay_shown(tool: str, mask_target: str, pinned: bool, in_use: bool) -> bool:
    """The rule: a mask tool on the AI mask, a dialog using it, or the View toggle."""
    return bool(pinned or in_use or (tool == AI_MASK_TOOL and mask_target == AI_MASK_TARGET))


class AIMaskOverlayMixin:
    """Canvas side of the rule. Expects ``self.tool_state`` (a
    :class:`~editor.ui.tools.ToolState`), ``self.update`` and the canvas's
    ``ai_mask_visibility_changed(shown)`` signal (emitted on a change); call
    :meth:`_init_ai_mask_overlay` once the tool state is set.
    """

    def _init_ai_mask_overlay(self) -> None:
        self._ai_pinned = False
        self._ai_in_use = False
        self._show_ai = self._ai_rule()
        self.tool_state.changed.connect(self._ai_tool_changed)

    def _ai_rule(self) -> bool:
        ts = self.tool_state
        return ai_mask_overlay_shown(ts.tool, ts.mask_target, self._ai_pinned, self._ai_in_use)

    @property
    def ai_mask_visible(self) -> bool:
        """Whether the rule shows the overlay now (it is painted when the mask has pixels)."""
        return self._show_ai

    @property
    def ai_mask_pinned(self) -> bool:
        return self._ai_pinned

    def set_ai_mask_pinned(self, on: bool) -> None:
        """View ▸ Show AI Mask: show the overlay with every tool (display only)."""
        self._ai_pinned = bool(on)
        self._sync_ai_mask_overlay()

    def set_ai_mask_in_use(self, on: bool) -> None:
        """An open AI dialog works on the AI mask (on) or no longer does (off)."""
        self._ai_in_use = bool(on)
        self._sync_ai_mask_overlay()

    def _ai_tool_changed(self, name: str) -> None:
        if name in ("tool", "mask_target"):
            self._sync_ai_mask_overlay()

    def _sync_ai_mask_overlay(self) -> None:
        shown = self._ai_rule()
        if shown != self._show_ai:
            self._show_ai = shown
            self.update()
            self.ai_mask_visibility_changed.emit(shown)
