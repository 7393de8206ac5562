# mpk-preview benchmarks (owner: the preview): frames per second of the whole window at 1280x720
# for g1-29dof with SDL's software renderer (target >= 60), and the time to render one headless
# thumbnail (target < 100 ms), in process and as the whole `mpk-preview --render` program.
if(TARGET mpk_preview_static)
  add_executable(bench_preview bench_preview.c)
  target_link_libraries(bench_preview PRIVATE mpk_preview_static)
  add_dependencies(bench_preview mpk_preview)
  add_custom_target(bench_preview_run
    COMMAND bench_preview --program $<TARGET_FILE:mpk_preview>
    USES_TERMINAL COMMENT "bench_preview: window FPS at 1280x720 and thumbnail time")
  add_dependencies(bench bench_preview_run)
endif()
