// PyTorch's distributed engine (c10d) for JavaScript: stores for rendezvous (TCPStore, FileStore),
// process groups (Gloo; NCCL where the libtorch has it) with blocking, time-limited collectives,
// and a bucketed gradient reducer that all-reduces during the backward pass.
#pragma once

#include <napi.h>

namespace distributed {

// Adds `distributedBackends` (the process-group backends this build has: "gloo", "nccl") and,
// when c10d is compiled in, the Store, ProcessGroup and GradReducer classes to the addon's exports.
void Register(Napi::Env env, Napi::Object exports);

}  // namespace distributed
