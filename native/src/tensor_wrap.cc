#include "tensor_wrap.h"

Napi::FunctionReference* TensorWrap::constructor_ = nullptr;

Napi::Function TensorWrap::Init(Napi::Env env) {
  Napi::Function fn = DefineClass(env, "NativeTensor", {});
  constructor_ = new Napi::FunctionReference(Napi::Persistent(fn));
  return fn;
}

Napi::Object TensorWrap::NewInstance(Napi::Env env, at::Tensor tensor) {
  Napi::Object obj = constructor_->New({});
  Of(obj)->Set(env, std::move(tensor));
  return obj;
}

// A handle is any object this addon wrapped: napi_unwrap finds our pointer, or fails. Cheaper than
// InstanceOf (a prototype-chain walk) on every argument of every op.
bool TensorWrap::IsInstance(const Napi::Value& value) {
  if (!value.IsObject()) return false;
  void* ptr = nullptr;
  return napi_unwrap(value.Env(), value, &ptr) == napi_ok && ptr != nullptr;
}

TensorWrap* TensorWrap::Of(const Napi::Value& value) {
  return Napi::ObjectWrap<TensorWrap>::Unwrap(value.As<Napi::Object>());
}

TensorWrap::TensorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorWrap>(info) {}

void TensorWrap::Set(Napi::Env env, at::Tensor tensor) {
  Release(env);
  tensor_ = std::move(tensor);
  // Only CPU bytes press on the process's memory; CUDA memory is the caching allocator's business.
  if (tensor_.defined() && tensor_.device().is_cpu()) {
    reported_bytes_ = static_cast<int64_t>(tensor_.nbytes());
    if (reported_bytes_ > 0) Napi::MemoryManagement::AdjustExternalMemory(env, reported_bytes_);
  }
}

void TensorWrap::Release(Napi::Env env) {
  if (reported_bytes_ > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -reported_bytes_);
  reported_bytes_ = 0;
  tensor_ = at::Tensor();
}

void TensorWrap::Finalize(Napi::Env env) { Release(env); }
