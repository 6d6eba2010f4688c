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
    MainWindow: .document (active Document | None), .view (active DocumentView | None),
        .jobs (editor.jobs.JobRunner), .tool_state (ToolState), .open_paths(paths),
        .add_document(doc, path=None, title=None) -> DocumentView, .show_message(text),
        .submit_job(request, run, title, apply, key=None, *, on_progress=None) -> JobHandle
            # apply(result) runs on the GUI thread if the document is still open;
            # on_progress(Progress) too (previews); closing the tab cancels its jobs
    icons: editor.ui.icons.icon(name) -> QIcon  (every qtawesome name lives in ICONS)
"""
