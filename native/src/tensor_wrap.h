// A JS handle that owns one at::Tensor. Freed explicitly by dispose() (the TypeScript memory
// scopes call it) or, as a backstop, when V8 collects the handle. V8 is told about the native
// bytes so that the garbage collector sees the pressure.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>

class TensorWrap : public Napi::ObjectWrap<TensorWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env, at::Tensor tensor);
  static bool IsInstance(const Napi::Value& value);
  static TensorWrap* Of(const Napi::Value& value);

  explicit TensorWrap(const Napi::CallbackInfo& info);
  void Finalize(Napi::Env env) override;

  const at::Tensor& tensor() const { return tensor_; }
  void Set(Napi::Env env, at::Tensor tensor);
  void Release(Napi::Env env);

 private:
  static Napi::FunctionReference* constructor_;
  at::Tensor tensor_;
  int64_t reported_bytes_ = 0;
};
