// The addon's tensors live in one table; JavaScript holds a handle per tensor: a BigInt packing the
// slot index (low 32 bits) with the slot's generation (high 32 bits), so a handle kept after its
// tensor was disposed is refused rather than aliasing whatever reused the slot.
// Handles are plain values: creating one costs no JS object, no constructor call and no finalizer.
// Freeing is explicit (dispose, called by the TypeScript memory scopes); a FinalizationRegistry on
// the TypeScript side is the garbage collector's backstop. V8 is told about the native bytes of the
// tensors whose freeing is up to it (ReportToGc), not of those a scope will free: reporting every
// activation made V8 run a full mark-compact at every training step.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>

#include <cstdint>

namespace tensor_table {

/** Stores a tensor and returns its handle. */
Napi::Value Insert(Napi::Env env, at::Tensor tensor);

/** The tensor behind argument `index`, or a JS error naming the argument. */
const at::Tensor& Get(const Napi::CallbackInfo& info, size_t index);

/** The tensor behind a handle value (list elements), or a JS error. */
const at::Tensor& GetValue(Napi::Env env, const Napi::Value& value);

/** Whether a value is a handle (live or not). */
bool IsHandle(const Napi::Value& value);

/** Tells V8 about the tensor's bytes, once (no-op for stale handles; CUDA tensors count 0 bytes). */
void ReportToGc(Napi::Env env, const Napi::Value& value);

/** Brings what V8 was told up to date after the tensor's data changed size or device (set_data). */
void Recount(Napi::Env env, const Napi::Value& value);

/** Frees the tensor behind a handle; a stale or repeated release is a no-op. */
void Release(Napi::Env env, const Napi::Value& value);

/** Whether a handle still refers to a live tensor. */
bool IsLive(const Napi::Value& value);

/** Live tensors (for leak hunting). */
size_t LiveCount();

}  // namespace tensor_table
