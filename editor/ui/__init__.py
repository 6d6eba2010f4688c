"""The widgets: main window, canvas, tools, panels, dialogs (the only package using Qt widgets).

Public API::

    editor.ui.app.run_app(paths: list[str]) -> int      # the GUI entry (editor.cli calls it)
    editor.ui.app.create_main_window() -> MainWindow    # self-test and screenshots
    editor.ui.filters.FilterAction(id, title, callback, icon="filter", needs_mask=False,
                                   needs_selection=False, shortcut="", tooltip="")
    editor.ui.filters.register_filter(action) / unregister_filter(id) / filters()
        # the Filter menu is built from this registry; callback(window) runs on click.
        # Modules named editor/ui/ai_*.py are imported by create_main_window() so their
        # register_filter() calls run (editor.ui.filters.load_filter_modules()).
    editor.ui.docks.DockSpec(id, title, factory, area="right", height=0)
    editor.ui.docks.register_dock(spec) / unregister_dock(id) / docks()
        # the main window builds its docks (Tool Options, Layers, History, AI docks) here
    editor.ui.host.Host  # what AI dialogs and docks use of the window (a Protocol)
    MainWindow: .document (active Document | None), .view (active DocumentView | None),
        .jobs (editor.jobs.JobRunner: observe its signals), .tool_state (ToolState),
        .open_paths(paths), .add_document(doc, path=None, title=None) -> DocumentView,
        .show_message(text), .show_error(text), .compute_device(),
        .submit_job(request, run, title, apply=None, key=None, *, lane="edit",
                    on_progress=None, on_done=None, on_error=None, on_cancelled=None,
                    watch=None, document=True, uses_device=True) -> JobHandle
            # the one submit path (editor.ui.jobs_controller): device from Preferences /
            # --device; apply(result) runs on the GUI thread if the document is still
            # open; closing the tab cancels its jobs; the watch is closed when it ends
    Modules: main_window (window, tabs, docks, status, device), actions (the action
    table), files (open/save/export/recent), autosave_ui (autosave, recovery),
    window_commands (command slots), jobs_controller (submit path, progress, Cancel),
    compare (View ▸ Compare Before/After), ai_* (the AI dialogs; their document side is
    editor.ai).
    icons: editor.ui.icons.icon(name) -> QIcon  (every qtawesome name lives in ICONS)
"""
