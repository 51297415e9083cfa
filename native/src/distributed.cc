// c10d through the addon: PyTorch's own stores and process groups, never a home-made collective.
// Everything a collective does here is c10d's; this file only launches c10d operations, waits for
// their Work objects with a time limit, and turns their exceptions into one-line JS errors.
//
// Versions: libtorch 1.x's ProcessGroupGloo/NCCL derive from c10d::ProcessGroup, 2.x's from
// c10d::Backend; both have the same collective methods, so `Collectives` names whichever it is.
// Compile-time switches (set by binding.gyp from find-libtorch.mjs): ECG_WITH_C10D (the c10d headers
// are there), ECG_WITH_GLOO (and gloo's: Debian's libgloo-dev, with USE_C10D_GLOO), ECG_WITH_NCCL (a
// CUDA libtorch with nccl.h, with USE_C10D_NCCL).
#include "distributed.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/version.h>

#include "js_errors.h"
#include "tensor_table.h"

#ifdef ECG_WITH_C10D
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#ifdef ECG_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef ECG_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>
#endif

namespace distributed {

#ifdef ECG_WITH_C10D
namespace {

#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

using Millis = std::chrono::milliseconds;

// Runs body; any C++ exception becomes a one-line JS error.
template <typename F>
auto Guard(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (...) {
    js_errors::RethrowAsJs(env);
  }
}

Millis MillisArg(const Napi::CallbackInfo& info, size_t i) {
  return Millis(info[i].As<Napi::Number>().Int64Value());
}

std::vector<std::string> StringList(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t k = 0; k < a.Length(); ++k) out.push_back(a.Get(k).As<Napi::String>().Utf8Value());
  return out;
}

std::vector<at::Tensor> TensorList(Napi::Env env, const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) out.push_back(tensor_table::GetValue(env, a.Get(k)));
  return out;
}

// Waits for a collective; c10d throws when it failed or the time ran out.
void Wait(const c10::intrusive_ptr<c10d::Work>& work, Millis timeout) {
  if (!work->wait(timeout)) throw std::runtime_error("the operation was aborted");
}

// ---------------------------------------------------------------- Store

// new Store("tcp", host, port, isServer, worldSize (0: not counted), timeoutMs, waitWorkers)
// new Store("file", path, worldSize, timeoutMs)
class StoreObject : public Napi::ObjectWrap<StoreObject> {
 public:
  static Napi::FunctionReference constructor;

  static Napi::Function Define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "Store",
                                   {
                                       InstanceMethod<&StoreObject::Set>("set"),
                                       InstanceMethod<&StoreObject::Get>("get"),
                                       InstanceMethod<&StoreObject::Add>("add"),
                                       InstanceMethod<&StoreObject::Check>("check"),
                                       InstanceMethod<&StoreObject::WaitKeys>("wait"),
                                       InstanceMethod<&StoreObject::DeleteKey>("deleteKey"),
                                       InstanceAccessor<&StoreObject::Port>("port"),
                                   });
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
    return f;
  }

  explicit StoreObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StoreObject>(info) {
    Napi::Env env = info.Env();
    const std::string kind = info[0].As<Napi::String>().Utf8Value();
    Guard(env, [&] {
      if (kind == "tcp") {
        c10d::TCPStoreOptions opts;
        opts.port = static_cast<std::uint16_t>(info[2].As<Napi::Number>().Uint32Value());
        opts.isServer = info[3].As<Napi::Boolean>().Value();
        const int64_t workers = info[4].As<Napi::Number>().Int64Value();
        if (workers > 0) opts.numWorkers = static_cast<std::size_t>(workers);
        opts.timeout = MillisArg(info, 5);
        opts.waitWorkers = info[6].As<Napi::Boolean>().Value();
        store = c10::make_intrusive<c10d::TCPStore>(info[1].As<Napi::String>().Utf8Value(), opts);
      } else if (kind == "file") {
        store = c10::make_intrusive<c10d::FileStore>(info[1].As<Napi::String>().Utf8Value(),
                                                     info[2].As<Napi::Number>().Int32Value());
        store->setTimeout(MillisArg(info, 3));
      } else {
        throw Napi::TypeError::New(env, "unknown store kind '" + kind + "'");
      }
    });
  }

  c10::intrusive_ptr<c10d::Store> store;

 private:
  Napi::Value Set(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] {
      const std::string value = info[1].As<Napi::String>().Utf8Value();
      store->set(info[0].As<Napi::String>().Utf8Value(), std::vector<uint8_t>(value.begin(), value.end()));
      return info.Env().Undefined();
    });
  }
  Napi::Value Get(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] {
      auto v = store->get(info[0].As<Napi::String>().Utf8Value());
      return Napi::String::New(info.Env(), std::string(v.begin(), v.end()));
    });
  }
  Napi::Value Add(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] {
      auto n = store->add(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Int64Value());
      return Napi::Number::New(info.Env(), static_cast<double>(n));
    });
  }
  Napi::Value Check(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] { return Napi::Boolean::New(info.Env(), store->check(StringList(info[0]))); });
  }
  Napi::Value WaitKeys(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] {
      store->wait(StringList(info[0]), MillisArg(info, 1));
      return info.Env().Undefined();
    });
  }
  Napi::Value DeleteKey(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] {
      return Napi::Boolean::New(info.Env(), store->deleteKey(info[0].As<Napi::String>().Utf8Value()));
    });
  }
  // The TCP port (the one the system chose when 0 was asked for); -1 for other stores.
  Napi::Value Port(const Napi::CallbackInfo& info) {
    auto* tcp = dynamic_cast<c10d::TCPStore*>(store.get());
    return Napi::Number::New(info.Env(), tcp ? tcp->getPort() : -1);
  }
};
Napi::FunctionReference StoreObject::constructor;

// ---------------------------------------------------------------- gradient reducer

// DDP's reducer, reduced to what a static graph needs: parameters are laid out in buckets (the
// layout is the caller's: TypeScript decides the policy); a hook on each parameter copies its
// gradient into its bucket as the backward pass produces it, and a bucket whose gradients are all
// in is all-reduced (sum) at once, in bucket order (every rank must launch collectives in the same
// order), while the backward pass goes on. finish() waits for them, divides, and writes .grad:
// the reduced gradient of this backward pass replaces .grad (callers clear gradients each step; no
// accumulation over several backward passes, which DDP would do under no_sync()).
struct ReducerState {
  struct Slot {
    size_t bucket;
    int64_t offset;
    int64_t numel;
  };
  struct Bucket {
    std::vector<at::Tensor> flat;  // one flat tensor (c10d takes a list)
    std::vector<size_t> params;
    size_t pending = 0;
    c10::intrusive_ptr<c10d::Work> work;
  };

  c10::intrusive_ptr<Collectives> pg;
  Millis timeout{0};
  std::vector<at::Tensor> params;
  std::vector<unsigned> hooks;
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  std::vector<char> ready;
  size_t nextToLaunch = 0;
  std::string misuse;
  std::mutex mutex;  // hooks run on the autograd engine's device threads for CUDA tensors

  void OnGrad(size_t i, const at::Tensor& grad) {
    std::lock_guard<std::mutex> lock(mutex);
    if (ready[i]) {
      misuse = "parameter " + std::to_string(i) +
               " received two gradients in one backward pass (used twice in forward: not supported)";
      return;
    }
    ready[i] = 1;
    at::NoGradGuard no_grad;
    const Slot& s = slots[i];
    Bucket& b = buckets[s.bucket];
    b.flat[0].narrow(0, s.offset, s.numel).view(grad.sizes()).copy_(grad);
    if (--b.pending == 0) LaunchReady();
  }

  void LaunchReady() {
    while (nextToLaunch < buckets.size() && buckets[nextToLaunch].pending == 0) {
      Bucket& b = buckets[nextToLaunch++];
      c10d::AllreduceOptions opts;
      opts.reduceOp = c10d::ReduceOp::SUM;
      opts.timeout = timeout;
      b.work = pg->allreduce(b.flat, opts);
    }
  }

  void Finish(double divisor) {
    std::lock_guard<std::mutex> lock(mutex);
    at::NoGradGuard no_grad;
    // Parameters that got no gradient this pass contribute zeros, so every rank still launches
    // every bucket, in order.
    for (size_t bi = nextToLaunch; bi < buckets.size(); ++bi) {
      Bucket& b = buckets[bi];
      for (size_t p : b.params) {
        if (!ready[p]) b.flat[0].narrow(0, slots[p].offset, slots[p].numel).zero_();
      }
      b.pending = 0;
    }
    LaunchReady();
    for (Bucket& b : buckets) {
      c10::intrusive_ptr<c10d::Work> work = std::move(b.work);
      Wait(work, timeout);
      b.flat[0].div_(divisor);
      for (size_t p : b.params) {
        const Slot& s = slots[p];
        at::Tensor reduced = b.flat[0].narrow(0, s.offset, s.numel).view(params[p].sizes());
        at::Tensor& grad = params[p].mutable_grad();
        if (grad.defined()) grad.copy_(reduced);
        else grad = reduced.clone();
      }
      b.pending = b.params.size();
    }
    std::fill(ready.begin(), ready.end(), 0);
    nextToLaunch = 0;
    if (!misuse.empty()) {
      std::string m = std::move(misuse);
      misuse.clear();
      throw std::runtime_error(m);
    }
  }

  void RemoveHooks() {
    for (size_t i = 0; i < hooks.size(); ++i) params[i].remove_hook(hooks[i]);
    hooks.clear();
  }
};

class ProcessGroupObject;

// new GradReducer(processGroup, params (tensor handles), buckets (parameter indices, in launch order))
class GradReducerObject : public Napi::ObjectWrap<GradReducerObject> {
 public:
  static Napi::FunctionReference constructor;
  static Napi::Function Define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "GradReducer",
                                   {
                                       InstanceMethod<&GradReducerObject::Finish>("finish"),
                                       InstanceMethod<&GradReducerObject::Dispose>("dispose"),
                                   });
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
    return f;
  }
  explicit GradReducerObject(const Napi::CallbackInfo& info);
  ~GradReducerObject() override {
    if (state_) state_->RemoveHooks();
  }

 private:
  // finish(divisor): waits for every bucket's all-reduce, divides the sums, writes each .grad.
  Napi::Value Finish(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] {
      if (!state_) throw Napi::Error::New(info.Env(), "the gradient reducer was disposed");
      state_->Finish(info[0].As<Napi::Number>().DoubleValue());
      return info.Env().Undefined();
    });
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    if (state_) state_->RemoveHooks();
    state_.reset();
    return info.Env().Undefined();
  }

  std::shared_ptr<ReducerState> state_;
};
Napi::FunctionReference GradReducerObject::constructor;

// ---------------------------------------------------------------- ProcessGroup

#ifdef ECG_WITH_GLOO
// As torch.distributed does: the interface named by GLOO_SOCKET_IFNAME (the first, if a list),
// else the address the host name resolves to.
std::shared_ptr<::gloo::transport::Device> GlooDevice() {
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname != nullptr && *ifname != '\0') {
    std::string first(ifname);
    first = first.substr(0, first.find(','));
    return c10d::ProcessGroupGloo::createDeviceForInterface(first);
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

c10d::ReduceOp ReduceOpOf(Napi::Env env, const std::string& op) {
  if (op == "sum") return c10d::ReduceOp::SUM;
  if (op == "max") return c10d::ReduceOp::MAX;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  throw Napi::TypeError::New(env, "unknown reduce op '" + op + "'");
}

// new ProcessGroup(store, backend ("gloo" | "nccl"), rank, size, timeoutMs): the constructor is
// the rendezvous (it returns once every rank has joined, or throws when the time runs out).
class ProcessGroupObject : public Napi::ObjectWrap<ProcessGroupObject> {
 public:
  static Napi::FunctionReference constructor;
  static Napi::Function Define(Napi::Env env) {
    Napi::Function f = DefineClass(env, "ProcessGroup",
                                   {
                                       InstanceMethod<&ProcessGroupObject::Allreduce>("allreduce"),
                                       InstanceMethod<&ProcessGroupObject::Broadcast>("broadcast"),
                                       InstanceMethod<&ProcessGroupObject::Allgather>("allgather"),
                                       InstanceMethod<&ProcessGroupObject::Barrier>("barrier"),
                                       InstanceMethod<&ProcessGroupObject::Shutdown>("shutdown"),
                                   });
    constructor = Napi::Persistent(f);
    constructor.SuppressDestruct();
    return f;
  }

  explicit ProcessGroupObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProcessGroupObject>(info) {
    Napi::Env env = info.Env();
    Napi::Object storeArg = info[0].As<Napi::Object>();
    if (!storeArg.InstanceOf(StoreObject::constructor.Value()))
      throw Napi::TypeError::New(env, "ProcessGroup: the first argument must be a Store");
    c10::intrusive_ptr<c10d::Store> store = StoreObject::Unwrap(storeArg)->store;
    const std::string backend = info[1].As<Napi::String>().Utf8Value();
    const int rank = info[2].As<Napi::Number>().Int32Value();
    const int size = info[3].As<Napi::Number>().Int32Value();
    timeout = MillisArg(info, 4);
    Guard(env, [&] {
      if (backend == "gloo") {
#ifdef ECG_WITH_GLOO
        auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
        opts->devices.push_back(GlooDevice());
        opts->threads = 2;  // torch.distributed's choice: two per device
        pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
#else
        throw Napi::Error::New(env, "this addon was built without Gloo (install libgloo-dev, then npm run build:native)");
#endif
      } else if (backend == "nccl") {
#ifdef ECG_WITH_NCCL
        auto opts = c10d::ProcessGroupNCCL::Options::create();
        opts->timeout = timeout;
        pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
#else
        throw Napi::Error::New(env, "this addon was built without NCCL (it needs a CUDA libtorch and nccl.h)");
#endif
      } else {
        throw Napi::TypeError::New(env, "unknown backend '" + backend + "'");
      }
    });
  }

  c10::intrusive_ptr<Collectives> pg;
  Millis timeout{0};

 private:
  Collectives& Pg(Napi::Env env) {
    if (!pg) throw Napi::Error::New(env, "the process group was shut down");
    return *pg;
  }

  // allreduce(tensors, op): in place, every rank's tensors reduced element-wise.
  Napi::Value Allreduce(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guard(env, [&] {
      std::vector<at::Tensor> tensors = TensorList(env, info[0]);
      c10d::AllreduceOptions opts;
      opts.reduceOp = ReduceOpOf(env, info[1].As<Napi::String>().Utf8Value());
      opts.timeout = timeout;
      at::NoGradGuard no_grad;
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      for (at::Tensor& t : tensors) {
        std::vector<at::Tensor> one{t};
        works.push_back(Pg(env).allreduce(one, opts));
      }
      for (auto& w : works) Wait(w, timeout);
      return env.Undefined();
    });
  }

  // broadcast(tensors, root): root's values into every rank's tensors, in place, coalesced: one
  // flat tensor per dtype and device goes over the wire, as DDP's broadcast_coalesced does.
  Napi::Value Broadcast(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guard(env, [&] {
      std::vector<at::Tensor> tensors = TensorList(env, info[0]);
      const int root = info[1].As<Napi::Number>().Int32Value();
      at::NoGradGuard no_grad;
      std::map<std::pair<int, std::string>, std::vector<size_t>> groups;
      for (size_t i = 0; i < tensors.size(); ++i)
        groups[{static_cast<int>(tensors[i].scalar_type()), tensors[i].device().str()}].push_back(i);
      std::vector<std::pair<std::vector<at::Tensor>, std::vector<size_t>>> flats;
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      for (auto& [key, members] : groups) {
        std::vector<at::Tensor> pieces;
        for (size_t i : members) pieces.push_back(tensors[i].reshape({-1}));
        flats.push_back({{at::cat(pieces)}, members});
        c10d::BroadcastOptions opts;
        opts.rootRank = root;
        opts.rootTensor = 0;
        opts.timeout = timeout;
        works.push_back(Pg(env).broadcast(flats.back().first, opts));
      }
      for (auto& w : works) Wait(w, timeout);
      if (pg->getRank() != root) {
        for (auto& [flat, members] : flats) {
          int64_t offset = 0;
          for (size_t i : members) {
            const int64_t n = tensors[i].numel();
            tensors[i].copy_(flat[0].narrow(0, offset, n).view(tensors[i].sizes()));
            offset += n;
          }
        }
      }
      return env.Undefined();
    });
  }

  // allgather(t): a new tensor (size, ...t.shape) with every rank's t, in rank order.
  Napi::Value Allgather(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guard(env, [&] {
      at::Tensor input = tensor_table::Get(info, 0).detach().contiguous();
      std::vector<std::vector<at::Tensor>> outputs(1);
      for (int r = 0; r < pg->getSize(); ++r) outputs[0].push_back(at::empty_like(input));
      std::vector<at::Tensor> inputs{input};
      c10d::AllgatherOptions opts;
      opts.timeout = timeout;
      Wait(Pg(env).allgather(outputs, inputs, opts), timeout);
      return tensor_table::Insert(env, at::stack(outputs[0], 0));
    });
  }

  Napi::Value Barrier(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guard(env, [&] {
      c10d::BarrierOptions opts;
      opts.timeout = timeout;
      Wait(Pg(env).barrier(opts), timeout);
      return env.Undefined();
    });
  }

  // Releases the process group (its threads and connections); later calls throw. 2.x backends shut
  // down explicitly (what destroy_process_group does; NCCL warns at exit otherwise).
  Napi::Value Shutdown(const Napi::CallbackInfo& info) {
#if TORCH_VERSION_MAJOR >= 2
    if (pg) Guard(info.Env(), [&] { pg->shutdown(); });
#endif
    pg.reset();
    return info.Env().Undefined();
  }
};
Napi::FunctionReference ProcessGroupObject::constructor;

GradReducerObject::GradReducerObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GradReducerObject>(info) {
  Napi::Env env = info.Env();
  Napi::Object pgArg = info[0].As<Napi::Object>();
  if (!pgArg.InstanceOf(ProcessGroupObject::constructor.Value()))
    throw Napi::TypeError::New(env, "GradReducer: the first argument must be a ProcessGroup");
  ProcessGroupObject* group = ProcessGroupObject::Unwrap(pgArg);
  if (!group->pg) throw Napi::Error::New(env, "the process group was shut down");
  auto state = std::make_shared<ReducerState>();
  state->pg = group->pg;
  state->timeout = group->timeout;
  state->params = TensorList(env, info[1]);
  const size_t n = state->params.size();
  state->slots.resize(n, {SIZE_MAX, 0, 0});
  state->ready.assign(n, 0);
  Napi::Array buckets = info[2].As<Napi::Array>();
  Guard(env, [&] {
    for (uint32_t bi = 0; bi < buckets.Length(); ++bi) {
      Napi::Array members = buckets.Get(bi).As<Napi::Array>();
      ReducerState::Bucket b;
      int64_t offset = 0;
      for (uint32_t k = 0; k < members.Length(); ++k) {
        const size_t p = members.Get(k).As<Napi::Number>().Uint32Value();
        if (p >= n || state->slots[p].bucket != SIZE_MAX)
          throw Napi::RangeError::New(env, "GradReducer: bucket " + std::to_string(bi) + " names parameter " +
                                               std::to_string(p) + " out of range or twice");
        const at::Tensor& t = state->params[p];
        if (!b.params.empty() && !state->params[b.params[0]].options().type_equal(t.options()))
          throw Napi::TypeError::New(env, "GradReducer: bucket " + std::to_string(bi) + " mixes dtypes or devices");
        state->slots[p] = {state->buckets.size(), offset, t.numel()};
        b.params.push_back(p);
        offset += t.numel();
      }
      if (b.params.empty()) continue;
      const at::Tensor& first = state->params[b.params[0]];
      b.flat.push_back(at::zeros({offset}, first.options().requires_grad(false)));
      b.pending = b.params.size();
      state->buckets.push_back(std::move(b));
    }
    for (size_t p = 0; p < n; ++p) {
      if (state->slots[p].bucket == SIZE_MAX)
        throw Napi::RangeError::New(env, "GradReducer: parameter " + std::to_string(p) + " is in no bucket");
    }
    std::weak_ptr<ReducerState> weak = state;
    for (size_t p = 0; p < n; ++p) {
      state->hooks.push_back(state->params[p].register_hook([weak, p](const at::Tensor& grad) {
        if (auto s = weak.lock()) s->OnGrad(p, grad);
      }));
    }
  });
  state_ = std::move(state);
}

}  // namespace
#endif  // ECG_WITH_C10D

void Register(Napi::Env env, Napi::Object exports) {
  Napi::Array backends = Napi::Array::New(env);
#ifdef ECG_WITH_C10D
#ifdef ECG_WITH_GLOO
  backends.Set(backends.Length(), Napi::String::New(env, "gloo"));
#endif
#ifdef ECG_WITH_NCCL
  backends.Set(backends.Length(), Napi::String::New(env, "nccl"));
#endif
  exports.Set("Store", StoreObject::Define(env));
  exports.Set("ProcessGroup", ProcessGroupObject::Define(env));
  exports.Set("GradReducer", GradReducerObject::Define(env));
#endif
  exports.Set("distributedBackends", backends);
}

}  // namespace distributed
