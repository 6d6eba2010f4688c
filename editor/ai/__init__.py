"""The AI-edit layer, without Qt: everything between a live document and a background job.

Arrows: ``editor.ui`` → ``editor.ai`` → ``editor.jobs`` (engines) → ``ml``; ``editor.ai``
→ ``editor.document``. Import-linter contracts in pyproject.toml keep this package free of
PySide6 and widgets, and its worker side (:mod:`editor.ai.requests`, :mod:`editor.ai.store`)
and ``editor.jobs`` away from live layers (``editor.document.document`` / ``.layer``).
``tests/ai`` runs with PySide6 blocked.

Modules and their public API::

    requests   Snapshot, InpaintRequest, UpscaleRequest, StyleRequest (frozen copies);
               run_inpaint_request / run_upscale_request / run_style_request(req, ctx),
               preview_request(req, side), run_preview(req, ctx)   # worker side
               SOURCE_*, MASK_*, MODE_*, SCOPE_*, DEFAULT_FEATHER, PREVIEW_SIDE
    regions    mask_array(doc, which), default_mask_source(doc), mask_bounds(mask),
               context_region(doc, bbox, margin), feather_alpha(mask, radius),
               layer_region(doc, layer, rect)   # the one cut of a layer to a doc rect
               layer_coverage, layer_is_empty, default_source, take_snapshot(doc, source,
               region, mask) -> Snapshot
    watch      DocumentWatch(doc, layer=None, *, geometry=None)
               .check_frame(what) .layer_index() .check_layer_in_place(what)
               .check_layers_intact(what) .display_changed .close(); keeps_display(ev)
    apply      apply_as_layer / apply_into_layer / apply_result / apply_whole_image
               (each ONE undo step, each refusing through the watch)
    compare    CompareState, remember(doc, state), remember_result(...), compare_state(doc)
    inpaint    context_margin, inpaint_region, inpaint_problem, build_inpaint, apply_inpaint
    upscale    SCALES, Estimate, estimate, working_bytes, too_large,
               build_upscale, apply_upscale, engine_label, human_bytes
    style      live_preview(engine_id), style_pixels, build_style, apply_style
    store      ModelRow, model_rows(store), human_size; InstallRequest/VerifyRequest/
               ImportRequest with run_install / run_verify / run_import (worker side)

A job's life: build a request (``build_*``) → capture a ``DocumentWatch`` → submit through
the host's one submit path (``editor.ui.jobs_controller``), which closes the watch when
the job ends → ``apply_*`` on the GUI thread, refused if the watch saw a change that makes
the result wrong.
"""
