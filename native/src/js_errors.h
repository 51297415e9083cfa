// C++ exceptions (c10::Error, gloo's and the standard library's) as JavaScript errors whose message
// is one line: the first line of the message, without c10's backtrace or gloo's "[file.cc:123] "
// source location in front.
#pragma once

#include <napi.h>
#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace js_errors {

inline std::string OneLine(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  // gloo prefixes "[./gloo/transport/tcp/pair.cc:598] "
  if (line.size() > 1 && line[0] == '[') {
    auto close = line.find("] ");
    if (close != std::string::npos && line.rfind(':', close) != std::string::npos) line = line.substr(close + 2);
  }
  return line;
}

// Call inside a catch block: rethrows the exception in flight as a Napi::Error (JS exception).
[[noreturn]] inline void RethrowAsJs(Napi::Env env) {
  try {
    throw;
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, OneLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, OneLine(e.what()));
  }
}

}  // namespace js_errors
