{
  "targets": [
    {
      "target_name": "udp_batch",
      "sources": ["udp_batch.cc", "batch_loop.cc", "forward_thread.cc", "fast_path.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-lpthread"]
    }
  ]
}
