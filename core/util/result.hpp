// Result<T>: a value or an Error, returned (never thrown) across module edges.
// C++20 has no std::expected; this is the small subset we need. Errors carry a
// sentence meant for the user: "<file>: tensor '<name>': <what is wrong>".
#pragma once

#include <fmt/core.h>

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace qs {

struct Error {
    std::string message;
};

// Builds an Error from a fmt format string: make_error("{}: bad magic", path).
template <class... Args>
Error make_error(fmt::format_string<Args...> f, Args&&... args) {
    return Error{fmt::format(f, std::forward<Args>(args)...)};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(v_); }
    const std::string& message() const { return error().message; }

private:
    std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { assert(!ok_); return error_; }
    const std::string& message() const { return error().message; }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace qs

// Propagate an error from an expression returning Result<...>/Status.
#define QS_TRY(expr)                                      \
    do {                                                  \
        auto&& qs_try_result_ = (expr);                   \
        if (!qs_try_result_.ok()) return qs_try_result_.error(); \
    } while (0)
