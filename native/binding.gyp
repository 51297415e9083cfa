{
  "targets": [
    {
      "target_name": "ecg_torch",
      "sources": ["src/addon.cc", "src/distributed.cc", "src/kernels.cc", "src/optim_fused.cc", "src/tensor_table.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node find-libtorch.mjs include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "_GLIBCXX_USE_CXX11_ABI=<!(node find-libtorch.mjs abi)",
        "<!@(node find-libtorch.mjs defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": [
        "-L<!(node find-libtorch.mjs libdir)",
        "-Wl,-rpath,<!(node find-libtorch.mjs libdir)",
        "-Wl,--no-as-needed",
        "<!@(node find-libtorch.mjs libs)",
        "-Wl,--as-needed"
      ]
    }
  ]
}
