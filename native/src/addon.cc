// The libtorch binding: one JS function per ATen operation, each a faithful one-liner, plus the
// bindings of the engine's own kernels (kernels.h) and of the fused optimizer steps (optim_fused.h),
// whose code lives in those files. Policy (module structure, memory scopes, the optimizers' update
// rules) lives in TypeScript, not here.
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>


#include <malloc.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "distributed.h"
#include "js_errors.h"
#include "kernels.h"
#include "optim_fused.h"
#include "tensor_table.h"

namespace {

#define OP(name)                                           \
  Napi::Value name(const Napi::CallbackInfo& info) {       \
    Napi::Env env = info.Env();                            \
    try {
#define END_OP                 \
  }                            \
  catch (...) {                \
    js_errors::RethrowAsJs(env); \
  }                            \
  }

const at::Tensor& T(const Napi::CallbackInfo& info, size_t i) { return tensor_table::Get(info, i); }

c10::optional<at::Tensor> OptT(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return T(info, i);
}

int64_t Int(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double Num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
bool Bool(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }

// A number argument as a Scalar of the right kind: integral tensors take integral scalars
// (num_batches_tracked += 1 must stay int64).
at::Scalar S(const Napi::CallbackInfo& info, size_t i, const at::Tensor& like) {
  double v = Num(info, i);
  if (at::isIntegralType(like.scalar_type(), /*includeBool=*/false) && v == static_cast<double>(static_cast<int64_t>(v))) {
    return at::Scalar(static_cast<int64_t>(v));
  }
  return at::Scalar(v);
}

std::vector<int64_t> IntList(const Napi::CallbackInfo& info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) out[k] = a.Get(k).As<Napi::Number>().Int64Value();
  return out;
}

std::vector<at::Tensor> TensorList(const Napi::CallbackInfo& info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) out.push_back(tensor_table::GetValue(info.Env(), a.Get(k)));
  return out;
}

at::ScalarType ParseDtype(Napi::Env env, const std::string& s) {
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "int64") return at::kLong;
  if (s == "int32") return at::kInt;
  if (s == "uint8") return at::kByte;
  if (s == "bool") return at::kBool;
  if (s == "float16") return at::kHalf;
  if (s == "bfloat16") return at::kBFloat16;
  throw Napi::TypeError::New(env, "unknown dtype '" + s + "'");
}

std::string DtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    default: return c10::toString(t);
  }
}

at::TensorOptions Options(const Napi::CallbackInfo& info, size_t dtypeArg, size_t deviceArg) {
  at::TensorOptions o = at::TensorOptions().dtype(ParseDtype(info.Env(), info[dtypeArg].As<Napi::String>()));
  if (deviceArg < info.Length() && info[deviceArg].IsString()) {
    o = o.device(at::Device(info[deviceArg].As<Napi::String>().Utf8Value()));
  }
  return o;
}

Napi::Value W(Napi::Env env, at::Tensor t) { return tensor_table::Insert(env, std::move(t)); }

// ---------------------------------------------------------------- creation and data transfer

// fromBuffer(typedArray, shape, dtype): copies the typed array's bytes into a new CPU tensor.
OP(FromBuffer)
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  auto shape = IntList(info, 1);
  auto dtype = ParseDtype(env, info[2].As<Napi::String>());
  Napi::ArrayBuffer buf = ta.ArrayBuffer();
  void* data = static_cast<uint8_t*>(buf.Data()) + ta.ByteOffset();
  int64_t numel = 1;
  for (auto d : shape) numel *= d;
  if (static_cast<size_t>(numel) * at::elementSize(dtype) != ta.ByteLength()) {
    throw Napi::RangeError::New(env, "buffer of " + std::to_string(ta.ByteLength()) + " bytes does not match shape");
  }
  at::Tensor t = at::from_blob(data, shape, at::TensorOptions().dtype(dtype)).clone();
  return W(env, t);
END_OP

// toBuffer(t): a new ArrayBuffer with the tensor's values (moved to CPU, made contiguous).
OP(ToBuffer)
  at::Tensor t = T(info, 0).detach().to(at::kCPU).contiguous();
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, t.nbytes());
  if (t.nbytes() > 0) std::memcpy(buf.Data(), t.data_ptr(), t.nbytes());
  return buf;
END_OP

OP(Zeros) return W(env, at::zeros(IntList(info, 0), Options(info, 1, 2))); END_OP
OP(Ones) return W(env, at::ones(IntList(info, 0), Options(info, 1, 2))); END_OP
OP(Full) return W(env, at::full(IntList(info, 0), Num(info, 1), Options(info, 2, 3))); END_OP
OP(Empty) return W(env, at::empty(IntList(info, 0), Options(info, 1, 2))); END_OP
OP(Rand) return W(env, at::rand(IntList(info, 0), Options(info, 1, 2))); END_OP
OP(Randn) return W(env, at::randn(IntList(info, 0), Options(info, 1, 2))); END_OP

OP(Item) return Napi::Number::New(env, T(info, 0).item<double>()); END_OP

// ---------------------------------------------------------------- properties

OP(Shape)
  auto sizes = T(info, 0).sizes();
  Napi::Array a = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) a.Set(i, Napi::Number::New(env, static_cast<double>(sizes[i])));
  return a;
END_OP
OP(Dtype) return Napi::String::New(env, DtypeName(T(info, 0).scalar_type())); END_OP
OP(DeviceOf) return Napi::String::New(env, T(info, 0).device().str()); END_OP
OP(Numel) return Napi::Number::New(env, static_cast<double>(T(info, 0).numel())); END_OP
OP(RequiresGrad) return Napi::Boolean::New(env, T(info, 0).requires_grad()); END_OP
OP(SetRequiresGrad)
  T(info, 0).set_requires_grad(Bool(info, 1));
  return env.Undefined();
END_OP
OP(IsLeaf) return Napi::Boolean::New(env, T(info, 0).is_leaf()); END_OP

OP(Dispose)
  if (!tensor_table::IsHandle(info[0])) throw Napi::TypeError::New(env, "not a tensor");
  tensor_table::Release(env, info[0]);
  return env.Undefined();
END_OP
OP(ReportToGc)
  tensor_table::ReportToGc(env, info[0]);
  return env.Undefined();
END_OP
// The native bytes V8 counts as external memory (everything reported through ReportToGc and
// other addons), as napi_adjust_external_memory returns it.
OP(ExternalMemory)
  return Napi::Number::New(env, static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(env, 0)));
END_OP
OP(LiveTensors) return Napi::Number::New(env, static_cast<double>(tensor_table::LiveCount())); END_OP
OP(IsDisposed)
  if (!tensor_table::IsHandle(info[0])) throw Napi::TypeError::New(env, "not a tensor");
  return Napi::Boolean::New(env, !tensor_table::IsLive(info[0]));
END_OP

// ---------------------------------------------------------------- autograd

OP(Backward)
  auto grad = OptT(info, 1);
  T(info, 0).backward(grad.value_or(at::Tensor()));
  return env.Undefined();
END_OP
OP(Grad)
  const at::Tensor& g = T(info, 0).grad();
  if (!g.defined()) return env.Null();
  return W(env, g);
END_OP
OP(ClearGrad)
  at::Tensor t = T(info, 0);
  t.mutable_grad() = at::Tensor();
  return env.Undefined();
END_OP
OP(Detach) return W(env, T(info, 0).detach()); END_OP
OP(SetGradEnabled)
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(Bool(info, 0));
  return Napi::Boolean::New(env, prev);
END_OP
OP(IsGradEnabled) return Napi::Boolean::New(env, at::GradMode::is_enabled()); END_OP

// ---------------------------------------------------------------- runtime

OP(ManualSeed)
  at::manual_seed(static_cast<uint64_t>(Int(info, 0)));
  return env.Undefined();
END_OP
OP(SetNumThreads)
  at::set_num_threads(static_cast<int>(Int(info, 0)));
  return env.Undefined();
END_OP
// TF32 tensor-core arithmetic in cuDNN convolutions: on by default, as in PyTorch; off gives full
// float32 (what a comparison with the CPU to 1e-4 needs). Returns the previous setting.
OP(SetCudnnTf32)
  bool prev = at::globalContext().allowTF32CuDNN();
  at::globalContext().setAllowTF32CuDNN(Bool(info, 0));
  return Napi::Boolean::New(env, prev);
END_OP
// cuDNN's deterministic algorithms only (torch.backends.cudnn.deterministic): off by default, as in
// PyTorch; on, two runs from the same seed give the same weights. Returns the previous setting.
OP(SetCudnnDeterministic)
  bool prev = at::globalContext().deterministicCuDNN();
  at::globalContext().setDeterministicCuDNN(Bool(info, 0));
  return Napi::Boolean::New(env, prev);
END_OP
OP(SetEngineKernelsEnabled) return Napi::Boolean::New(env, kernels::SetEnabled(Bool(info, 0))); END_OP
OP(GetNumThreads) return Napi::Number::New(env, at::get_num_threads()); END_OP
// CUDA's device count: getNumGPUs() in libtorch 1.x, deviceCount() in 2.x.
template <typename Hooks>
auto GpuCount(const Hooks& hooks, int) -> decltype(hooks.deviceCount()) {
  return hooks.deviceCount();
}
template <typename Hooks>
auto GpuCount(const Hooks& hooks, long) -> decltype(hooks.getNumGPUs()) {
  return hooks.getNumGPUs();
}
OP(CudaDeviceCount)
  return Napi::Number::New(env, static_cast<double>(GpuCount(at::detail::getCUDAHooks(), 0)));
END_OP

// ---------------------------------------------------------------- conversion and shape

OP(To)
  at::Tensor t = T(info, 0);
  if (info[1].IsString()) t = t.to(at::Device(info[1].As<Napi::String>().Utf8Value()));
  if (info[2].IsString()) t = t.to(ParseDtype(env, info[2].As<Napi::String>()));
  return W(env, t);
END_OP
OP(Clone) return W(env, T(info, 0).clone()); END_OP
OP(Reshape) return W(env, T(info, 0).reshape(IntList(info, 1))); END_OP
OP(Unsqueeze) return W(env, T(info, 0).unsqueeze(Int(info, 1))); END_OP
OP(Squeeze) return W(env, T(info, 0).squeeze(Int(info, 1))); END_OP
OP(Flatten) return W(env, T(info, 0).flatten(Int(info, 1), Int(info, 2))); END_OP
OP(Narrow) return W(env, T(info, 0).narrow(Int(info, 1), Int(info, 2), Int(info, 3))); END_OP
OP(IndexSelect) return W(env, T(info, 0).index_select(Int(info, 1), T(info, 2))); END_OP
OP(Cat) return W(env, at::cat(TensorList(info, 0), Int(info, 1))); END_OP

// ---------------------------------------------------------------- neural-network ops

OP(Conv1d)
  return W(env, at::conv1d(T(info, 0), T(info, 1), OptT(info, 2), {Int(info, 3)}, {Int(info, 4)}, {Int(info, 5)},
                           Int(info, 6)));
END_OP
// batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps): updates the running
// statistics in place when training, exactly as torch.nn.functional.batch_norm.
OP(BatchNorm)
  return W(env, at::batch_norm(T(info, 0), OptT(info, 1), OptT(info, 2), OptT(info, 3), OptT(info, 4), Bool(info, 5),
                               Num(info, 6), Num(info, 7), /*cudnn_enabled=*/true));
END_OP
OP(LeakyRelu) return W(env, at::leaky_relu(T(info, 0), Num(info, 1))); END_OP
OP(MaxPool1d)
  return W(env, at::max_pool1d(T(info, 0), {Int(info, 1)}, {Int(info, 2)}, {Int(info, 3)}));
END_OP
OP(AvgPool1d)
  return W(env, kernels::AvgPool1d(T(info, 0), Int(info, 1), Int(info, 2), Int(info, 3)));
END_OP
OP(Linear) return W(env, at::linear(T(info, 0), T(info, 1), OptT(info, 2))); END_OP
OP(Dropout) return W(env, at::dropout(T(info, 0), Num(info, 1), Bool(info, 2))); END_OP
OP(Softmax) return W(env, at::softmax(T(info, 0), Int(info, 1))); END_OP
OP(LogSoftmax) return W(env, at::log_softmax(T(info, 0), Int(info, 1))); END_OP
OP(Gather) return W(env, at::gather(T(info, 0), Int(info, 1), T(info, 2))); END_OP
// nllLoss(logProbs, target, weight|null, reduction: 0 none, 1 mean, 2 sum)
OP(NllLoss) return W(env, at::nll_loss(T(info, 0), T(info, 1), OptT(info, 2), Int(info, 3))); END_OP
OP(Matmul) return W(env, at::matmul(T(info, 0), T(info, 1))); END_OP

// ---------------------------------------------------------------- element-wise

// Binary ops take a tensor or a number as their second operand.
#define BINARY(name, expr_tt, expr_ts)                           \
  OP(name)                                                       \
    const at::Tensor& a = T(info, 0);                            \
    if (info[1].IsNumber()) {                                    \
      at::Scalar s = S(info, 1, a);                              \
      return W(env, expr_ts);                                    \
    }                                                            \
    const at::Tensor& b = T(info, 1);                            \
    (void)b;                                                     \
    return W(env, expr_tt);                                      \
  END_OP

// add(a, b, alpha?): a + alpha·b, as torch.add (alpha only with a tensor b).
OP(Add)
  const at::Tensor& a = T(info, 0);
  if (info[1].IsNumber()) return W(env, at::add(a, S(info, 1, a)));
  if (info.Length() > 2 && info[2].IsNumber()) return W(env, at::add(a, T(info, 1), S(info, 2, a)));
  return W(env, at::add(a, T(info, 1)));
END_OP
BINARY(Sub, at::sub(a, b), at::sub(a, s))
BINARY(Mul, at::mul(a, b), at::mul(a, s))
BINARY(Div, at::div(a, b), at::div(a, s))
BINARY(Pow, at::pow(a, b), at::pow(a, s))
BINARY(Eq, at::eq(a, b), at::eq(a, s))

#define UNARY(name, fn) OP(name) return W(env, fn(T(info, 0))); END_OP
UNARY(Neg, at::neg)
UNARY(Sqrt, at::sqrt)
UNARY(Exp, at::exp)
UNARY(Log, at::log)
// clamp(t, min|null, max|null): a new tensor, scalar bounds.
OP(Clamp)
  c10::optional<at::Scalar> lo, hi;
  if (info[1].IsNumber()) lo = Num(info, 1);
  if (info[2].IsNumber()) hi = Num(info, 2);
  return W(env, at::clamp(T(info, 0), lo, hi));
END_OP


// ---------------------------------------------------------------- reductions

OP(Sum)
  if (info[1].IsArray()) return W(env, at::sum(T(info, 0), IntList(info, 1), Bool(info, 2)));
  return W(env, at::sum(T(info, 0)));
END_OP
OP(Mean)
  if (info[1].IsArray()) return W(env, at::mean(T(info, 0), IntList(info, 1), Bool(info, 2)));
  return W(env, at::mean(T(info, 0)));
END_OP
OP(Argmax) return W(env, at::argmax(T(info, 0), Int(info, 1), Bool(info, 2))); END_OP

// ---------------------------------------------------------------- in place (optimizers, initialisation)

OP(AddInPlace)
  at::Tensor t = T(info, 0);
  if (info[1].IsNumber()) t.add_(S(info, 1, t));
  else t.add_(T(info, 1), info.Length() > 2 && info[2].IsNumber() ? Num(info, 2) : 1.0);
  return info[0];
END_OP
OP(MulInPlace)
  at::Tensor t = T(info, 0);
  if (info[1].IsNumber()) t.mul_(S(info, 1, t));
  else t.mul_(T(info, 1));
  return info[0];
END_OP
OP(DivInPlace)
  at::Tensor t = T(info, 0);
  if (info[1].IsNumber()) t.div_(Num(info, 1));
  else t.div_(T(info, 1));
  return info[0];
END_OP
OP(AddcmulInPlace)
  at::Tensor t = T(info, 0);
  t.addcmul_(T(info, 1), T(info, 2), Num(info, 3));
  return info[0];
END_OP
OP(AddcdivInPlace)
  at::Tensor t = T(info, 0);
  t.addcdiv_(T(info, 1), T(info, 2), Num(info, 3));
  return info[0];
END_OP
OP(CopyInPlace)
  at::Tensor t = T(info, 0);
  t.copy_(T(info, 1));
  return info[0];
END_OP
// setData(t, src): t now holds src's data (device, dtype, values), as PyTorch's `t.data = src`: every
// holder of t sees the change, and t stays the same autograd leaf. Module.to() moves this way, as
// torch.nn.Module._apply does.
OP(SetData)
  T(info, 0).set_data(T(info, 1));
  tensor_table::Recount(env, info[0]);
  return env.Undefined();
END_OP
// clamp_(t, min|null, max|null): scalar bounds.
OP(ClampInPlace)
  at::Tensor t = T(info, 0);
  c10::optional<at::Scalar> lo, hi;
  if (info[1].IsNumber()) lo = Num(info, 1);
  if (info[2].IsNumber()) hi = Num(info, 2);
  t.clamp_(lo, hi);
  return info[0];
END_OP
OP(MaximumInPlace)
  at::Tensor t = T(info, 0);
  at::maximum_out(t, t, T(info, 1));
  return info[0];
END_OP
OP(UniformInPlace)
  at::Tensor t = T(info, 0);
  t.uniform_(Num(info, 1), Num(info, 2));
  return info[0];
END_OP

// ---------------------------------------------------------------- fused optimizer steps (optim_fused.h)

// A number field of an options object, or a TypeError naming it.
double Field(Napi::Env env, const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("option '") + name + "' is not a number");
  return v.As<Napi::Number>().DoubleValue();
}

// The fields every step's options have: {beta1, beta2, eps, weightDecay, stepSize}.
void ReadMomentScalars(Napi::Env env, const Napi::Object& o, optim_fused::MomentScalars& s) {
  s.beta1 = Field(env, o, "beta1");
  s.beta2 = Field(env, o, "beta2");
  s.eps = Field(env, o, "eps");
  s.weight_decay = Field(env, o, "weightDecay");
  s.step_size = Field(env, o, "stepSize");
}

// adamStep(param, grad, expAvg, expAvgSq, {...moment scalars, lr, decoupled, biasCorrection2Sqrt})
OP(AdamStep)
  Napi::Object o = info[4].As<Napi::Object>();
  optim_fused::AdamScalars s;
  ReadMomentScalars(env, o, s);
  s.lr = Field(env, o, "lr");
  s.decoupled = o.Get("decoupled").ToBoolean().Value();
  s.bias_correction2_sqrt = Field(env, o, "biasCorrection2Sqrt");
  optim_fused::AdamStep(T(info, 0), T(info, 1), T(info, 2), T(info, 3), s);
  return env.Undefined();
END_OP

// adaboundStep(param, grad, expAvg, expAvgSq, maxExpAvgSq|null, {...moment scalars, lowerBound, upperBound})
OP(AdaboundStep)
  Napi::Object o = info[5].As<Napi::Object>();
  optim_fused::AdaBoundScalars s;
  ReadMomentScalars(env, o, s);
  s.lower_bound = Field(env, o, "lowerBound");
  s.upper_bound = Field(env, o, "upperBound");
  optim_fused::AdaBoundStep(T(info, 0), T(info, 1), T(info, 2), T(info, 3), OptT(info, 4), s);
  return env.Undefined();
END_OP

#define EXPORT(name, fn) exports.Set(name, Napi::Function::New(env, fn, name))

// A training step frees and re-allocates tensors of the same sizes every step. glibc hands each
// block over 128 KiB to the OS on free (munmap, or a heap trim) and page-faults it back in on the next
// allocation, which costs more than many of the kernels themselves (a 1 MiB conv1d output: ~2.5x).
// Keeping such blocks in malloc's heap does what PyTorch's caching allocators do on GPUs.
// ECG_MALLOC_DEFAULT=1 keeps glibc's own policy.
void TuneMalloc() {
  const char* keep = std::getenv("ECG_MALLOC_DEFAULT");
  if (keep != nullptr && std::string(keep) == "1") return;
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TuneMalloc();
  distributed::Register(env, exports);
  EXPORT("fromBuffer", FromBuffer);
  EXPORT("toBuffer", ToBuffer);
  EXPORT("zeros", Zeros);
  EXPORT("ones", Ones);
  EXPORT("full", Full);
  EXPORT("empty", Empty);
  EXPORT("rand", Rand);
  EXPORT("randn", Randn);
  EXPORT("item", Item);
  EXPORT("shape", Shape);
  EXPORT("dtype", Dtype);
  EXPORT("device", DeviceOf);
  EXPORT("numel", Numel);
  EXPORT("requiresGrad", RequiresGrad);
  EXPORT("setRequiresGrad", SetRequiresGrad);
  EXPORT("isLeaf", IsLeaf);
  EXPORT("dispose", Dispose);
  EXPORT("isDisposed", IsDisposed);
  EXPORT("liveTensors", LiveTensors);
  EXPORT("reportToGc", ReportToGc);
  EXPORT("externalMemory", ExternalMemory);
  EXPORT("backward", Backward);
  EXPORT("grad", Grad);
  EXPORT("clearGrad", ClearGrad);
  EXPORT("detach", Detach);
  EXPORT("setGradEnabled", SetGradEnabled);
  EXPORT("isGradEnabled", IsGradEnabled);
  EXPORT("manualSeed", ManualSeed);
  EXPORT("setNumThreads", SetNumThreads);
  EXPORT("getNumThreads", GetNumThreads);
  EXPORT("setEngineKernelsEnabled", SetEngineKernelsEnabled);
  EXPORT("setCudnnTf32", SetCudnnTf32);
  EXPORT("setCudnnDeterministic", SetCudnnDeterministic);
  EXPORT("cudaDeviceCount", CudaDeviceCount);
  EXPORT("to", To);
  EXPORT("clone", Clone);
  EXPORT("reshape", Reshape);
  EXPORT("unsqueeze", Unsqueeze);
  EXPORT("squeeze", Squeeze);
  EXPORT("flatten", Flatten);
  EXPORT("narrow", Narrow);
  EXPORT("indexSelect", IndexSelect);
  EXPORT("cat", Cat);
  EXPORT("conv1d", Conv1d);
  EXPORT("batchNorm", BatchNorm);
  EXPORT("leakyRelu", LeakyRelu);
  EXPORT("maxPool1d", MaxPool1d);
  EXPORT("avgPool1d", AvgPool1d);
  EXPORT("linear", Linear);
  EXPORT("dropout", Dropout);
  EXPORT("softmax", Softmax);
  EXPORT("logSoftmax", LogSoftmax);
  EXPORT("gather", Gather);
  EXPORT("nllLoss", NllLoss);
  EXPORT("matmul", Matmul);
  EXPORT("add", Add);
  EXPORT("sub", Sub);
  EXPORT("mul", Mul);
  EXPORT("div", Div);
  EXPORT("pow", Pow);
  EXPORT("eq", Eq);
  EXPORT("neg", Neg);
  EXPORT("sqrt", Sqrt);
  EXPORT("exp", Exp);
  EXPORT("log", Log);
  EXPORT("clamp", Clamp);
  EXPORT("sum", Sum);
  EXPORT("mean", Mean);
  EXPORT("argmax", Argmax);
  EXPORT("add_", AddInPlace);
  EXPORT("mul_", MulInPlace);
  EXPORT("div_", DivInPlace);
  EXPORT("addcmul_", AddcmulInPlace);
  EXPORT("addcdiv_", AddcdivInPlace);
  EXPORT("copy_", CopyInPlace);
  EXPORT("setData", SetData);
  EXPORT("clamp_", ClampInPlace);
  EXPORT("maximum_", MaximumInPlace);
  EXPORT("uniform_", UniformInPlace);
  EXPORT("adaboundStep", AdaboundStep);
  EXPORT("adamStep", AdamStep);
  return exports;
}

}  // namespace

NODE_API_MODULE(ecg_torch, Init)
