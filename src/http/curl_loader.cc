// SPDX-License-Identifier: MIT
//
// libcurl, loaded at its first use. xerod calls libcurl only to talk to Xero
// and to the SMTP server; a daemon that has nothing to send yet need not carry
// it. Debian's libcurl brings some twenty libraries with it (GnuTLS, Kerberos,
// LDAP, SSH, RTMP, ...) whose load-time relocations and set-up cost an idle
// xerod 3.3 MiB of memory, so xerod opens it with dlopen() when the first
// transfer is set up, as systemd does for libraries only some paths need.
//
// This file defines the libcurl functions xerod uses (same names and
// signatures as <curl/curl.h>); each calls the one in libcurl.so.4, resolved
// once. If libcurl cannot be loaded, curl_global_init() fails with
// CURLE_FAILED_INIT and curl_loader_error() says why; nothing else is called
// then (every caller starts with CurlGlobalInit()).
//
// The ABI is libcurl's SONAME 4, stable since 2006; the packages depend on it
// explicitly (packaging/deb/debian/control, packaging/rpm/xerod.spec).
#define CURL_DISABLE_TYPECHECK  // the type-checking macros would rename these definitions
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <mutex>
#include <string>

#include "http/curl_handles.h"

namespace {

struct Api {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  CURLM* (*multi_init)();
  CURLMcode (*multi_cleanup)(CURLM*);
  CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
  CURLMcode (*multi_add_handle)(CURLM*, CURL*);
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
  CURLMcode (*multi_socket_action)(CURLM*, curl_socket_t, int, int*);
  CURLMcode (*multi_perform)(CURLM*, int*);
  CURLMcode (*multi_poll)(CURLM*, struct curl_waitfd*, unsigned int, int, int*);
  CURLMcode (*multi_wakeup)(CURLM*);
  CURLMsg* (*multi_info_read)(CURLM*, int*);
  const char* (*multi_strerror)(CURLMcode);
  struct curl_slist* (*slist_append)(struct curl_slist*, const char*);
  void (*slist_free_all)(struct curl_slist*);
};

std::once_flag g_once;
Api g_api{};
bool g_loaded = false;
std::string g_error;

template <typename F>
bool Resolve(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  if (out == nullptr) g_error = std::string("libcurl.so.4 lacks ") + name;
  return out != nullptr;
}

void Load() {
  // RTLD_LOCAL: its symbols do not stand in for ours (these definitions).
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    g_error = std::string("cannot load libcurl.so.4: ") + (why ? why : "unknown error");
    return;
  }
  Api& a = g_api;
  g_loaded = Resolve(lib, "curl_global_init", a.global_init) &&
             Resolve(lib, "curl_easy_init", a.easy_init) &&
             Resolve(lib, "curl_easy_cleanup", a.easy_cleanup) &&
             Resolve(lib, "curl_easy_reset", a.easy_reset) &&
             Resolve(lib, "curl_easy_setopt", a.easy_setopt) &&
             Resolve(lib, "curl_easy_getinfo", a.easy_getinfo) &&
             Resolve(lib, "curl_easy_strerror", a.easy_strerror) &&
             Resolve(lib, "curl_multi_init", a.multi_init) &&
             Resolve(lib, "curl_multi_cleanup", a.multi_cleanup) &&
             Resolve(lib, "curl_multi_setopt", a.multi_setopt) &&
             Resolve(lib, "curl_multi_add_handle", a.multi_add_handle) &&
             Resolve(lib, "curl_multi_remove_handle", a.multi_remove_handle) &&
             Resolve(lib, "curl_multi_socket_action", a.multi_socket_action) &&
             Resolve(lib, "curl_multi_perform", a.multi_perform) &&
             Resolve(lib, "curl_multi_poll", a.multi_poll) &&
             Resolve(lib, "curl_multi_wakeup", a.multi_wakeup) &&
             Resolve(lib, "curl_multi_info_read", a.multi_info_read) &&
             Resolve(lib, "curl_multi_strerror", a.multi_strerror) &&
             Resolve(lib, "curl_slist_append", a.slist_append) &&
             Resolve(lib, "curl_slist_free_all", a.slist_free_all);
}

// The table, loaded on first use; null when libcurl could not be loaded.
// call_once also publishes what Load() wrote to every thread that gets here.
const Api* Curl() {
  std::call_once(g_once, Load);
  return g_loaded ? &g_api : nullptr;
}

// The one argument of a setopt call, taken as its option says (the option
// number's range is its type, as in curl.h's CURLOPTTYPE_*).
template <typename Handle, typename Option, typename Result>
Result SetOpt(Result (*set)(Handle*, Option, ...), Handle* h, Option option, va_list ap) {
  const long o = static_cast<long>(option);
  if (o < CURLOPTTYPE_OBJECTPOINT) return set(h, option, va_arg(ap, long));
  if (o < CURLOPTTYPE_FUNCTIONPOINT) return set(h, option, va_arg(ap, void*));
  if (o < CURLOPTTYPE_OFF_T) return set(h, option, va_arg(ap, void (*)()));
  if (o < CURLOPTTYPE_BLOB) return set(h, option, va_arg(ap, curl_off_t));
  return set(h, option, va_arg(ap, void*));
}

}  // namespace

namespace xerod::http {

const std::string& CurlLoaderError() { return g_error; }

}  // namespace xerod::http

extern "C" {

// curl.h declares the setopt functions with an enum before the `...`, and these
// definitions must match it. Clang warns (-Wvarargs) that va_start after a
// parameter that undergoes promotion is undefined; libcurl's own definitions
// do the same, and CURLoption/CURLMoption are enums of int-sized values, passed
// unchanged by the promotion on every ABI libcurl supports.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wvarargs"
#endif

CURLcode curl_global_init(long flags) {
  const Api* a = Curl();
  return a ? a->global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init() {
  const Api* a = Curl();
  return a ? a->easy_init() : nullptr;
}
void curl_easy_cleanup(CURL* h) {
  if (const Api* a = Curl()) a->easy_cleanup(h);
}
void curl_easy_reset(CURL* h) {
  if (const Api* a = Curl()) a->easy_reset(h);
}

CURLcode curl_easy_setopt(CURL* h, CURLoption option, ...) {
  const Api* a = Curl();
  if (a == nullptr) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, option);
  CURLcode r = SetOpt(a->easy_setopt, h, option, ap);
  va_end(ap);
  return r;
}

CURLcode curl_easy_getinfo(CURL* h, CURLINFO info, ...) {
  const Api* a = Curl();
  if (a == nullptr) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  void* out = va_arg(ap, void*);  // every CURLINFO takes a pointer to the result
  va_end(ap);
  return a->easy_getinfo(h, info, out);
}

const char* curl_easy_strerror(CURLcode code) {
  const Api* a = Curl();
  return a ? a->easy_strerror(code) : "libcurl is not loaded";
}

CURLM* curl_multi_init() {
  const Api* a = Curl();
  return a ? a->multi_init() : nullptr;
}
CURLMcode curl_multi_cleanup(CURLM* m) {
  const Api* a = Curl();
  return a ? a->multi_cleanup(m) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_setopt(CURLM* m, CURLMoption option, ...) {
  const Api* a = Curl();
  if (a == nullptr) return CURLM_BAD_HANDLE;
  va_list ap;
  va_start(ap, option);
  CURLMcode r = SetOpt(a->multi_setopt, m, option, ap);
  va_end(ap);
  return r;
}

CURLMcode curl_multi_add_handle(CURLM* m, CURL* h) {
  const Api* a = Curl();
  return a ? a->multi_add_handle(m, h) : CURLM_BAD_HANDLE;
}
CURLMcode curl_multi_remove_handle(CURLM* m, CURL* h) {
  const Api* a = Curl();
  return a ? a->multi_remove_handle(m, h) : CURLM_BAD_HANDLE;
}
CURLMcode curl_multi_socket_action(CURLM* m, curl_socket_t s, int ev, int* running) {
  const Api* a = Curl();
  return a ? a->multi_socket_action(m, s, ev, running) : CURLM_BAD_HANDLE;
}
CURLMcode curl_multi_perform(CURLM* m, int* running) {
  const Api* a = Curl();
  return a ? a->multi_perform(m, running) : CURLM_BAD_HANDLE;
}
CURLMcode curl_multi_poll(CURLM* m, struct curl_waitfd* fds, unsigned int n, int timeout_ms,
                          int* ret) {
  const Api* a = Curl();
  return a ? a->multi_poll(m, fds, n, timeout_ms, ret) : CURLM_BAD_HANDLE;
}
CURLMcode curl_multi_wakeup(CURLM* m) {
  const Api* a = Curl();
  return a ? a->multi_wakeup(m) : CURLM_BAD_HANDLE;
}
CURLMsg* curl_multi_info_read(CURLM* m, int* left) {
  const Api* a = Curl();
  return a ? a->multi_info_read(m, left) : nullptr;
}
const char* curl_multi_strerror(CURLMcode code) {
  const Api* a = Curl();
  return a ? a->multi_strerror(code) : "libcurl is not loaded";
}

struct curl_slist* curl_slist_append(struct curl_slist* list, const char* s) {
  const Api* a = Curl();
  return a ? a->slist_append(list, s) : nullptr;
}
void curl_slist_free_all(struct curl_slist* list) {
  if (const Api* a = Curl()) a->slist_free_all(list);
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif

}  // extern "C"
