{
  "variables": {
    "common_cflags": ["-O3", "-fexceptions", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-fPIC", "-fvisibility=hidden", "-Wno-psabi"]
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions"]
  },
  "targets": [
    {
      "target_name": "kernels_portable",
      "type": "static_library",
      "sources": ["src/kernels_portable.cc"],
      "cflags_cc": ["<@(common_cflags)"]
    },
    {
      "target_name": "kernels_bf16_emulated",
      "type": "static_library",
      "sources": ["src/bf16/kernels_bf16_emulated.cc"],
      "cflags_cc": ["<@(common_cflags)"]
    },
    {
      "target_name": "kernels_int8_emulated",
      "type": "static_library",
      "sources": ["src/int8/kernels_int8_emulated.cc"],
      "cflags_cc": ["<@(common_cflags)", "-ffp-contract=off"]
    },
    {
      "target_name": "kernels_amx_emulated",
      "type": "static_library",
      "sources": ["src/amx/kernels_amx_bf16_emulated.cc", "src/amx/kernels_amx_int8_emulated.cc"],
      "cflags_cc": ["<@(common_cflags)", "-ffp-contract=off"]
    },
    {
      "target_name": "resnet50_native",
      "sources": ["src/addon.cc", "src/plan_reader.cc", "src/plan.cc", "src/thread_pool.cc", "src/train/gemm.cc", "src/train/conv.cc", "src/train/batch_norm.cc", "src/train/pointwise.cc", "src/train/pooling.cc", "src/detect_kernels.cc", "src/image/png_unfilter.cc", "src/image/png_unfilter_sse2.cc", "src/image/normalize_rgb.cc"],
      "dependencies": ["kernels_portable", "kernels_bf16_emulated", "kernels_int8_emulated", "kernels_amx_emulated"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc": ["<@(common_cflags)", "-ffp-contract=off"],
      "libraries": ["-lpthread"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {"dependencies": ["kernels_avx512", "kernels_avx2", "kernels_avx512bf16", "kernels_avx512vnni", "kernels_avxvnni", "kernels_amx_bf16", "kernels_amx_int8"]}]
      ]
    }
  ],
  # The AVX-512, AVX2, AVX512-BF16, VNNI and AMX kernel sets (and their -m flags) exist on x86 only; other CPUs build the
  # portable kernels alone, and engine.h declares the x86 sets only where __x86_64__ / __i386__ is set.
  "conditions": [
    [
      "target_arch=='x64' or target_arch=='ia32'",
      {
        "targets": [
          {
            "target_name": "kernels_avx512",
            "type": "static_library",
            "sources": ["src/kernels_avx512.cc"],
            "cflags_cc": ["<@(common_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2"]
          },
          {
            "target_name": "kernels_avx2",
            "type": "static_library",
            "sources": ["src/kernels_avx2.cc"],
            "cflags_cc": ["<@(common_cflags)", "-mavx2", "-mfma"]
          },
          {
            "target_name": "kernels_avx512bf16",
            "type": "static_library",
            "sources": ["src/bf16/kernels_avx512bf16.cc"],
            "cflags_cc": ["<@(common_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mavx512bf16", "-mfma", "-mavx2"]
          },
          {
            "target_name": "kernels_avx512vnni",
            "type": "static_library",
            "sources": ["src/int8/kernels_avx512vnni.cc"],
            "cflags_cc": ["<@(common_cflags)", "-ffp-contract=off", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mavx512vnni", "-mavx2"]
          },
          {
            "target_name": "kernels_avxvnni",
            "type": "static_library",
            "sources": ["src/int8/kernels_avxvnni.cc"],
            "cflags_cc": ["<@(common_cflags)", "-ffp-contract=off", "-mavx2", "-mavxvnni"]
          },
          {
            "target_name": "kernels_amx_bf16",
            "type": "static_library",
            "sources": ["src/amx/kernels_amx_bf16.cc"],
            "cflags_cc": ["<@(common_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mavx512bf16", "-mfma", "-mavx2", "-mamx-tile", "-mamx-bf16"]
          },
          {
            "target_name": "kernels_amx_int8",
            "type": "static_library",
            "sources": ["src/amx/kernels_amx_int8.cc"],
            "cflags_cc": ["<@(common_cflags)", "-ffp-contract=off", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mavx512vnni", "-mavx2", "-mamx-tile", "-mamx-int8"]
          }
        ]
      }
    ]
  ]
}
