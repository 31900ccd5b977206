{
  "variables": {
    "common_cflags": ["-O3", "-fexceptions", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-fPIC", "-fvisibility=hidden", "-Wno-psabi"]
  },
  "targets": [
    {
      "target_name": "kernels_avx512",
      "type": "static_library",
      "sources": ["src/kernels_avx512.cc"],
      "cflags_cc": ["<@(common_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "kernels_avx2",
      "type": "static_library",
      "sources": ["src/kernels_avx2.cc"],
      "cflags_cc": ["<@(common_cflags)", "-mavx2", "-mfma"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "kernels_portable",
      "type": "static_library",
      "sources": ["src/kernels_portable.cc"],
      "cflags_cc": ["<@(common_cflags)"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "resnet50_native",
      "sources": ["src/addon.cc", "src/plan.cc", "src/thread_pool.cc", "src/train_kernels.cc", "src/detect_kernels.cc"],
      "dependencies": ["kernels_avx512", "kernels_avx2", "kernels_portable"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc": ["<@(common_cflags)", "-ffp-contract=off"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lpthread"]
    }
  ]
}
