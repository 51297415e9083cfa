#include "tensor_table.h"

#include <string>
#include <vector>

namespace tensor_table {
namespace {

struct Slot {
  at::Tensor tensor;
  uint32_t generation = 0;
  bool reported = false;       // V8 has been told about this tensor (ReportToGc)
  int64_t reported_bytes = 0;  // what it was told: the CPU bytes at that time
};

std::vector<Slot> slots;
std::vector<uint32_t> free_slots;
size_t live = 0;

uint64_t Pack(uint32_t index, uint32_t generation) { return (static_cast<uint64_t>(generation) << 32) | index; }

/** The live slot a handle names, or nullptr (not a handle, out of range, stale generation, disposed). */
Slot* Find(const Napi::Value& value) {
  if (!value.IsBigInt()) return nullptr;
  bool lossless = false;
  uint64_t h = value.As<Napi::BigInt>().Uint64Value(&lossless);
  uint32_t index = static_cast<uint32_t>(h & 0xffffffffu);
  uint32_t generation = static_cast<uint32_t>(h >> 32);
  if (!lossless || index >= slots.size()) return nullptr;
  Slot& s = slots[index];
  if (s.generation != generation || !s.tensor.defined()) return nullptr;
  return &s;
}

}  // namespace

Napi::Value Insert(Napi::Env env, at::Tensor tensor) {
  uint32_t index;
  if (!free_slots.empty()) {
    index = free_slots.back();
    free_slots.pop_back();
  } else {
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  }
  Slot& s = slots[index];
  s.generation += 1;  // starts at 1: a zero handle is never valid
  s.tensor = std::move(tensor);
  s.reported = false;
  s.reported_bytes = 0;
  live += 1;
  return Napi::BigInt::New(env, Pack(index, s.generation));
}

const at::Tensor& GetValue(Napi::Env env, const Napi::Value& value) {
  Slot* s = Find(value);
  if (s == nullptr) {
    if (!value.IsBigInt()) throw Napi::TypeError::New(env, "not a tensor");
    throw Napi::Error::New(env, "tensor used after it was disposed");
  }
  return s->tensor;
}

const at::Tensor& Get(const Napi::CallbackInfo& info, size_t index) {
  Slot* s = Find(info[index]);
  if (s == nullptr) {
    if (!info[index].IsBigInt()) {
      throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(index) + " is not a tensor");
    }
    throw Napi::Error::New(info.Env(), "tensor used after it was disposed");
  }
  return s->tensor;
}

bool IsHandle(const Napi::Value& value) { return value.IsBigInt(); }

// Only CPU bytes press on the process's memory; CUDA memory is the caching allocator's business.
int64_t CountedBytes(const at::Tensor& t) { return t.device().is_cpu() ? static_cast<int64_t>(t.nbytes()) : 0; }

void ReportToGc(Napi::Env env, const Napi::Value& value) {
  Slot* s = Find(value);
  if (s == nullptr || s->reported) return;
  s->reported = true;
  s->reported_bytes = CountedBytes(s->tensor);
  if (s->reported_bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, s->reported_bytes);
}

void Recount(Napi::Env env, const Napi::Value& value) {
  Slot* s = Find(value);
  if (s == nullptr || !s->reported) return;
  const int64_t now = CountedBytes(s->tensor);
  if (now != s->reported_bytes) Napi::MemoryManagement::AdjustExternalMemory(env, now - s->reported_bytes);
  s->reported_bytes = now;
}

void Release(Napi::Env env, const Napi::Value& value) {
  Slot* s = Find(value);
  if (s == nullptr) return;
  if (s->reported_bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -s->reported_bytes);
  s->reported = false;
  s->reported_bytes = 0;
  s->tensor = at::Tensor();
  free_slots.push_back(static_cast<uint32_t>(s - slots.data()));
  live -= 1;
}

bool IsLive(const Napi::Value& value) { return Find(value) != nullptr; }

size_t LiveCount() { return live; }

}  // namespace tensor_table
