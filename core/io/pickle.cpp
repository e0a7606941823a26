#include "core/io/pickle.hpp"

#include "core/io/le_bytes.hpp"
#include "core/io/limits.hpp"
#include "core/util/utf8.hpp"

#include <bit>
#include <unordered_map>

namespace qs::io::pickle {
namespace {

// What an allowlisted GLOBAL stands for.
enum class G : int64_t {
    OrderedDict,
    RebuildTensorV2,
    RebuildTensorV3,
    RebuildParameter,
    RebuildParameterWithState,
    RebuildFromTypeV2,
    TorchSize,
    TorchTensor,
    ParameterClass,
    CodecsEncode,
    StorageType,     // typed storage class (dtype in Value::dtype)
    UntypedStorage,  // bytes
    Dtype,           // torch.float32 etc. (dtype in Value::dtype)
};

struct Allowed {
    std::string_view module, name;
    G id;
    DType dtype = DType::U8;
};

constexpr Allowed kAllowed[] = {
    {"collections", "OrderedDict", G::OrderedDict},
    {"torch._utils", "_rebuild_tensor_v2", G::RebuildTensorV2},
    {"torch._utils", "_rebuild_tensor_v3", G::RebuildTensorV3},
    {"torch._utils", "_rebuild_parameter", G::RebuildParameter},
    {"torch._utils", "_rebuild_parameter_with_state", G::RebuildParameterWithState},
    {"torch._tensor", "_rebuild_from_type_v2", G::RebuildFromTypeV2},
    {"torch", "Size", G::TorchSize},
    {"torch", "Tensor", G::TorchTensor},
    {"torch.nn.parameter", "Parameter", G::ParameterClass},
    {"_codecs", "encode", G::CodecsEncode},
    {"torch", "DoubleStorage", G::StorageType, DType::F64},
    {"torch", "FloatStorage", G::StorageType, DType::F32},
    {"torch", "HalfStorage", G::StorageType, DType::F16},
    {"torch", "BFloat16Storage", G::StorageType, DType::BF16},
    {"torch", "LongStorage", G::StorageType, DType::I64},
    {"torch", "IntStorage", G::StorageType, DType::I32},
    {"torch", "ShortStorage", G::StorageType, DType::I16},
    {"torch", "CharStorage", G::StorageType, DType::I8},
    {"torch", "ByteStorage", G::StorageType, DType::U8},
    {"torch", "BoolStorage", G::StorageType, DType::BOOL},
    {"torch", "UntypedStorage", G::UntypedStorage, DType::U8},
    {"torch", "float64", G::Dtype, DType::F64},
    {"torch", "float32", G::Dtype, DType::F32},
    {"torch", "float16", G::Dtype, DType::F16},
    {"torch", "bfloat16", G::Dtype, DType::BF16},
    {"torch", "int64", G::Dtype, DType::I64},
    {"torch", "int32", G::Dtype, DType::I32},
    {"torch", "int16", G::Dtype, DType::I16},
    {"torch", "int8", G::Dtype, DType::I8},
    {"torch", "uint8", G::Dtype, DType::U8},
    {"torch", "uint16", G::Dtype, DType::U16},
    {"torch", "uint32", G::Dtype, DType::U32},
    {"torch", "uint64", G::Dtype, DType::U64},
    {"torch", "bool", G::Dtype, DType::BOOL},
    {"torch", "float8_e4m3fn", G::Dtype, DType::F8_E4M3},
    {"torch", "float8_e5m2", G::Dtype, DType::F8_E5M2},
    {"torch", "float8_e4m3fnuz", G::Dtype, DType::F8_E4M3FNUZ},
    {"torch", "float8_e5m2fnuz", G::Dtype, DType::F8_E5M2FNUZ},
    {"torch", "float8_e8m0fnu", G::Dtype, DType::F8_E8M0},
};

// Names torch uses that we recognise but cannot represent: refused with the reason.
struct Known {
    std::string_view module, name, reason;
};
constexpr Known kKnownUnsupported[] = {
    {"torch._utils", "_rebuild_qtensor", "quantized tensors are not supported"},
    {"torch", "QInt8Storage", "quantized tensors are not supported"},
    {"torch", "QUInt8Storage", "quantized tensors are not supported"},
    {"torch", "QInt32Storage", "quantized tensors are not supported"},
    {"torch", "QUInt4x2Storage", "quantized tensors are not supported"},
    {"torch", "QUInt2x4Storage", "quantized tensors are not supported"},
    {"torch", "ComplexFloatStorage", "complex tensors are not supported"},
    {"torch", "ComplexDoubleStorage", "complex tensors are not supported"},
    {"torch", "complex64", "complex tensors are not supported"},
    {"torch", "complex128", "complex tensors are not supported"},
    {"torch._utils", "_rebuild_sparse_tensor", "sparse tensors are not supported"},
    {"torch._utils", "_rebuild_sparse_csr_tensor", "sparse tensors are not supported"},
    {"torch._utils", "_rebuild_meta_tensor_no_storage", "meta tensors hold no data"},
    {"torch._utils", "_rebuild_wrapper_subclass", "tensor subclasses are not supported"},
    {"torch._utils", "_rebuild_nested_tensor", "nested tensors are not supported"},
};

// Opcodes we know but do not run, named in the refusal.
struct OpName {
    uint8_t op;
    std::string_view name;
};
constexpr OpName kRefusedOps[] = {
    {'i', "INST"},      {'o', "OBJ"},           {0x82, "EXT1"},          {0x83, "EXT2"},      {0x84, "EXT4"},
    {'P', "PERSID"},    {'I', "INT"},           {'L', "LONG"},           {'S', "STRING"},     {'V', "UNICODE"},
    {'F', "FLOAT"},     {'d', "DICT"},          {'l', "LIST"},           {'g', "GET"},        {'p', "PUT"},
    {0x92, "NEWOBJ_EX"}, {0x8f, "EMPTY_SET"},   {0x90, "ADDITEMS"},      {0x91, "FROZENSET"}, {0x96, "BYTEARRAY8"},
    {0x97, "NEXT_BUFFER"}, {0x98, "READONLY_BUFFER"},
};

constexpr size_t kMaxGlobalName = 256;

// Thrown inside this file only; load_torch_pickle turns it into an Error.
struct Refusal {
    std::string message;
};

class Machine {
public:
    Machine(std::span<const uint8_t> bytes, const std::string& what) : b_(bytes), what_(what) {}

    Unpickled run() {
        for (;;) {
            if (pos_ >= b_.size()) fail("pickle ends without STOP");
            op_pos_ = pos_;
            const uint8_t op = b_[pos_++];
            if (step(op)) break;
        }
        return std::move(u_);
    }

private:
    std::span<const uint8_t> b_;
    std::string what_;
    size_t pos_ = 0, op_pos_ = 0;
    Unpickled u_;
    std::vector<uint32_t> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, uint32_t> memo_;
    std::unordered_map<std::string, uint32_t> storage_by_key_;

    template <class... Args>
    [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
        throw Refusal{fmt::format("{}: {} (at byte {})", what_, fmt::format(f, std::forward<Args>(args)...), op_pos_)};
    }

    // ---- reading the stream ----
    const uint8_t* take(uint64_t n) {
        if (n > b_.size() - pos_) fail("pickle ends inside an opcode's argument ({} bytes needed, {} left)", n,
                                       b_.size() - pos_);
        const uint8_t* p = b_.data() + pos_;
        pos_ += size_t(n);
        return p;
    }
    uint8_t u8() { return *take(1); }
    uint16_t u16() { return load_u16le(take(2)); }
    uint32_t u32() { return load_u32le(take(4)); }
    uint64_t u64() { return load_u64le(take(8)); }
    std::string line() {
        std::string s;
        for (;;) {
            const char c = char(u8());
            if (c == '\n') return s;
            if (s.size() >= kMaxGlobalName) fail("GLOBAL name longer than {} bytes", kMaxGlobalName);
            s += c;
        }
    }

    // ---- values and the stack ----
    uint32_t add(Value v) {
        if (u_.values.size() >= limits::kMaxPickleValues)
            fail("more than {} objects; refusing to build more", limits::kMaxPickleValues);
        u_.values.push_back(std::move(v));
        return uint32_t(u_.values.size() - 1);
    }
    Value& at(uint32_t i) { return u_.values[i]; }
    void push(uint32_t v) {
        if (stack_.size() >= limits::kMaxPickleStack) fail("stack deeper than {} values", limits::kMaxPickleStack);
        stack_.push_back(v);
    }
    void push_new(Value v) { push(add(std::move(v))); }
    uint32_t pop() {
        if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
        const uint32_t v = stack_.back();
        stack_.pop_back();
        return v;
    }
    uint32_t top() {
        if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
        return stack_.back();
    }
    std::vector<uint32_t> pop_mark() {
        if (marks_.empty()) fail("no MARK to pop to");
        const size_t m = marks_.back();
        marks_.pop_back();
        std::vector<uint32_t> items(stack_.begin() + ptrdiff_t(m), stack_.end());
        stack_.resize(m);
        return items;
    }
    Value make(Kind k) {
        Value v;
        v.kind = k;
        return v;
    }
    Value make_int(int64_t i) {
        Value v = make(Kind::Int);
        v.i = i;
        return v;
    }
    Value make_str(Kind k, std::string s) {
        Value v = make(k);
        v.s = std::move(s);
        return v;
    }
    Value make_tuple(std::vector<uint32_t> items) {
        Value v = make(Kind::Tuple);
        v.items = std::move(items);
        return v;
    }
    std::string utf8(const uint8_t* p, uint64_t n) {
        std::string s(reinterpret_cast<const char*>(p), size_t(n));
        if (!valid_utf8(s)) fail("string is not valid UTF-8");
        return s;
    }
    static std::string latin1(const uint8_t* p, uint64_t n) {
        std::string s;
        for (uint64_t k = 0; k < n; ++k) append_utf8(s, p[k]);
        return s;
    }
    static int64_t little_signed(const uint8_t* p, size_t n) {
        if (n == 0) return 0;
        uint64_t v = 0;
        for (size_t k = 0; k < n; ++k) v |= uint64_t(p[k]) << (8 * k);
        if (n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n);  // sign-extend
        return int64_t(v);
    }

    // ---- names ----
    Value resolve(const std::string& module, const std::string& name) {
        const std::string full = module + " " + name;
        for (const Allowed& a : kAllowed) {
            if (a.module == module && a.name == name) {
                Value v = make_str(Kind::Global, full);
                v.i = int64_t(a.id);
                v.dtype = a.dtype;
                return v;
            }
        }
        for (const Known& k : kKnownUnsupported)
            if (k.module == module && k.name == name) fail("refusing global '{}': {}", full, k.reason);
        fail("refusing global '{}': only tensors and dicts can be loaded", full);
    }
    bool is_global(uint32_t v, G id) { return at(v).kind == Kind::Global && at(v).i == int64_t(id); }

    // ---- tensors ----
    std::vector<int64_t> int_tuple(uint32_t v, const char* what, bool allow_negative) {
        if (at(v).kind != Kind::Tuple) fail("tensor {} is not a tuple", what);
        const std::vector<uint32_t> items = at(v).items;
        if (items.size() > size_t(limits::kMaxDims))
            fail("tensor {} has {} entries, more than the limit of {}", what, items.size(), limits::kMaxDims);
        std::vector<int64_t> out;
        for (uint32_t it : items) {
            if (at(it).kind != Kind::Int) fail("tensor {} holds a non-integer", what);
            if (!allow_negative && at(it).i < 0) fail("tensor {} holds a negative value {}", what, at(it).i);
            out.push_back(at(it).i);
        }
        return out;
    }

    uint32_t rebuild_tensor(const std::vector<uint32_t>& a, bool v3) {
        const size_t want = v3 ? 7 : 6;
        if (a.size() != want && a.size() != want + 1)
            fail("_rebuild_tensor_{} takes {} or {} arguments, got {}", v3 ? "v3" : "v2", want, want + 1, a.size());
        if (at(a[0]).kind != Kind::Storage) fail("tensor storage is not a persistent storage reference");
        if (at(a[1]).kind != Kind::Int || at(a[1]).i < 0) fail("tensor storage offset is not a non-negative integer");
        TensorRef t;
        t.storage = uint32_t(at(a[0]).i);
        t.offset = at(a[1]).i;
        t.size = int_tuple(a[2], "size", false);
        t.stride = int_tuple(a[3], "stride", true);
        if (t.size.size() != t.stride.size())
            fail("tensor size has {} dimensions but stride has {}", t.size.size(), t.stride.size());
        const StorageRef& s = u_.storages[t.storage];
        t.dtype = s.dtype;
        if (v3) {
            if (at(a[6]).kind != Kind::Global || at(a[6]).i != int64_t(G::Dtype))
                fail("_rebuild_tensor_v3 dtype argument is not a torch dtype");
            t.dtype = at(a[6]).dtype;
        }
        u_.tensors.push_back(std::move(t));
        Value v = make(Kind::Tensor);
        v.i = int64_t(u_.tensors.size() - 1);
        return add(std::move(v));
    }

    uint32_t call(uint32_t fn, uint32_t args_v) {
        const Value f = at(fn);  // a copy: add() below may move the arena
        if (f.kind != Kind::Global) fail("REDUCE on something that is not an allowed callable");
        if (at(args_v).kind != Kind::Tuple) fail("REDUCE arguments of '{}' are not a tuple", f.s);
        const std::vector<uint32_t> a = at(args_v).items;
        switch (G(f.i)) {
            case G::OrderedDict:
                if (!a.empty()) fail("OrderedDict built with arguments is not supported");
                return add(make(Kind::Dict));
            case G::RebuildTensorV2: return rebuild_tensor(a, false);
            case G::RebuildTensorV3: return rebuild_tensor(a, true);
            case G::RebuildParameter:
            case G::RebuildParameterWithState: {
                const size_t want = G(f.i) == G::RebuildParameter ? 3 : 4;
                if (a.size() != want) fail("'{}' takes {} arguments, got {}", f.s, want, a.size());
                if (at(a[0]).kind != Kind::Tensor) fail("'{}' of something that is not a tensor", f.s);
                u_.tensors[size_t(at(a[0]).i)].parameter = true;
                return a[0];
            }
            case G::RebuildFromTypeV2: {
                if (a.size() != 4) fail("'{}' takes 4 arguments, got {}", f.s, a.size());
                if (!is_global(a[1], G::TorchTensor) && !is_global(a[1], G::ParameterClass))
                    fail("'{}' of a type other than Tensor or Parameter", f.s);
                const uint32_t inner = a[0];
                if (!is_global(inner, G::RebuildTensorV2) && !is_global(inner, G::RebuildTensorV3) &&
                    !is_global(inner, G::RebuildParameter) && !is_global(inner, G::RebuildParameterWithState))
                    fail("'{}' of a function other than a tensor rebuild", f.s);
                return call(inner, a[2]);  // depth 1: `inner` is never _rebuild_from_type_v2 itself
            }
            case G::TorchSize:
                if (a.size() != 1 || at(a[0]).kind != Kind::Tuple) fail("torch.Size takes one tuple");
                return a[0];
            case G::CodecsEncode: {
                // protocol 2 spells bytes as _codecs.encode(text, 'latin1')
                if (a.size() != 2 || at(a[0]).kind != Kind::Str || at(a[1]).kind != Kind::Str)
                    fail("_codecs.encode takes (str, encoding)");
                if (at(a[1]).s != "latin1" && at(a[1]).s != "latin-1") fail("_codecs.encode to '{}'", at(a[1]).s);
                std::string out;
                const std::string& in = at(a[0]).s;
                for (size_t k = 0; k < in.size();) {  // valid UTF-8 (checked when read) -> code points <= 255
                    const unsigned char c = static_cast<unsigned char>(in[k]);
                    uint32_t cp = c;
                    if (c >= 0x80) {
                        if ((c & 0xE0) != 0xC0 || k + 1 >= in.size()) fail("_codecs.encode: not latin-1 text");
                        cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(in[k + 1]) & 0x3F);
                        ++k;
                    }
                    ++k;
                    if (cp > 0xFF) fail("_codecs.encode: not latin-1 text");
                    out += char(cp);
                }
                return add(make_str(Kind::Bytes, std::move(out)));
            }
            case G::TorchTensor:
            case G::ParameterClass:
            case G::StorageType:
            case G::UntypedStorage:
            case G::Dtype: break;
        }
        fail("REDUCE of '{}' is not allowed", f.s);
    }

    uint32_t persistent_load(uint32_t pid) {
        const Value& p = at(pid);
        if (p.kind != Kind::Tuple || p.items.empty() || at(p.items[0]).kind != Kind::Str ||
            at(p.items[0]).s != "storage")
            fail("BINPERSID of something other than a ('storage', ...) tuple");
        const std::vector<uint32_t> a = p.items;
        if (a.size() != 5) fail("storage reference has {} fields, expected 5", a.size());
        if (!is_global(a[1], G::StorageType) && !is_global(a[1], G::UntypedStorage))
            fail("storage reference names a type that is not a torch storage type");
        if (at(a[2]).kind != Kind::Str) fail("storage key is not a string");
        if (at(a[3]).kind != Kind::Str) fail("storage location is not a string");
        if (at(a[4]).kind != Kind::Int || at(a[4]).i < 0) fail("storage size is not a non-negative integer");
        const std::string& key = at(a[2]).s;
        if (key.empty() || key.size() > 64 || key.find_first_of("/\\") != std::string::npos || key == "." ||
            key == "..")
            fail("storage key '{}' is not a plain record name", key);
        StorageRef s;
        s.key = key;
        s.dtype = at(a[1]).dtype;
        s.numel = uint64_t(at(a[4]).i);
        s.location = at(a[3]).s;
        uint32_t index;
        auto it = storage_by_key_.find(key);
        if (it != storage_by_key_.end()) {
            const StorageRef& old = u_.storages[it->second];
            if (old.dtype != s.dtype || old.numel != s.numel)
                fail("storage '{}' is referenced with two different types or sizes", key);
            index = it->second;
        } else {
            u_.storages.push_back(std::move(s));
            index = uint32_t(u_.storages.size() - 1);
            storage_by_key_.emplace(key, index);
        }
        Value v = make(Kind::Storage);
        v.i = index;
        return add(std::move(v));
    }

    void memo_put(uint64_t key) {
        if (memo_.size() >= limits::kMaxPickleValues && !memo_.count(key)) fail("memo larger than its limit");
        memo_[key] = top();
    }
    uint32_t memo_get(uint64_t key) {
        auto it = memo_.find(key);
        if (it == memo_.end()) fail("memo key {} was never stored", key);
        return it->second;
    }

    // Runs one opcode; true at STOP.
    bool step(uint8_t op) {
        switch (op) {
            case 0x80: {  // PROTO
                const uint8_t v = u8();
                if (v > 5) fail("pickle protocol {} is not supported", v);
                u_.protocol = v;
                return false;
            }
            case 0x95: u64(); return false;  // FRAME: opcodes follow inline
            case '.':                        // STOP
                u_.root = pop();
                return true;
            case '(':  // MARK
                if (marks_.size() >= limits::kMaxPickleMarks)
                    fail("MARK nesting deeper than {} levels", limits::kMaxPickleMarks);
                marks_.push_back(stack_.size());
                return false;
            case '0': pop(); return false;       // POP
            case '1': pop_mark(); return false;  // POP_MARK
            case '2': push(top()); return false; // DUP
            case 'N': push_new(make(Kind::None)); return false;
            case 0x88:
            case 0x89: {
                Value v = make(Kind::Bool);
                v.b = op == 0x88;
                push_new(std::move(v));
                return false;
            }
            case 'J': push_new(make_int(int32_t(u32()))); return false;
            case 'K': push_new(make_int(u8())); return false;
            case 'M': push_new(make_int(u16())); return false;
            case 0x8a:    // LONG1
            case 0x8b: {  // LONG4
                const int64_t n = op == 0x8a ? int64_t(u8()) : int64_t(int32_t(u32()));
                if (n < 0 || n > 8)
                    fail("{} of {} bytes is too large for a 64-bit integer", op == 0x8a ? "LONG1" : "LONG4", n);
                push_new(make_int(little_signed(take(uint64_t(n)), size_t(n))));
                return false;
            }
            case 'G': {  // BINFLOAT, big-endian
                const uint8_t* p = take(8);
                uint64_t bits = 0;
                for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
                Value v = make(Kind::Float);
                v.f = std::bit_cast<double>(bits);
                push_new(std::move(v));
                return false;
            }
            case 'X': {
                const uint64_t n = u32();
                push_new(make_str(Kind::Str, utf8(take(n), n)));
                return false;
            }
            case 0x8c: {
                const uint64_t n = u8();
                push_new(make_str(Kind::Str, utf8(take(n), n)));
                return false;
            }
            case 0x8d: {
                const uint64_t n = u64();
                push_new(make_str(Kind::Str, utf8(take(n), n)));
                return false;
            }
            case 'U': {
                const uint64_t n = u8();
                push_new(make_str(Kind::Str, latin1(take(n), n)));
                return false;
            }
            case 'T': {
                const int64_t n = int32_t(u32());
                if (n < 0) fail("BINSTRING of negative length");
                push_new(make_str(Kind::Str, latin1(take(uint64_t(n)), uint64_t(n))));
                return false;
            }
            case 'C':
            case 'B':
            case 0x8e: {  // SHORT_BINBYTES, BINBYTES, BINBYTES8
                const uint64_t n = op == 'C' ? u8() : op == 'B' ? u32() : u64();
                const uint8_t* p = take(n);
                push_new(make_str(Kind::Bytes, std::string(reinterpret_cast<const char*>(p), size_t(n))));
                return false;
            }
            case ')': push_new(make(Kind::Tuple)); return false;
            case ']': push_new(make(Kind::List)); return false;
            case '}': push_new(make(Kind::Dict)); return false;
            case 't': push_new(make_tuple(pop_mark())); return false;
            case 0x85:
            case 0x86:
            case 0x87: {
                std::vector<uint32_t> items(size_t(op - 0x84));
                for (size_t k = items.size(); k-- > 0;) items[k] = pop();
                push_new(make_tuple(std::move(items)));
                return false;
            }
            case 'a': {  // APPEND
                const uint32_t v = pop();
                const uint32_t l = top();
                if (at(l).kind != Kind::List) fail("APPEND to something that is not a list");
                at(l).items.push_back(v);
                return false;
            }
            case 'e': {  // APPENDS
                std::vector<uint32_t> items = pop_mark();
                const uint32_t l = top();
                if (at(l).kind != Kind::List) fail("APPENDS to something that is not a list");
                at(l).items.insert(at(l).items.end(), items.begin(), items.end());
                return false;
            }
            case 's': {  // SETITEM
                const uint32_t v = pop(), k = pop();
                const uint32_t d = top();
                if (at(d).kind != Kind::Dict) fail("SETITEM on something that is not a dict");
                at(d).items.push_back(k);
                at(d).items.push_back(v);
                return false;
            }
            case 'u': {  // SETITEMS
                std::vector<uint32_t> items = pop_mark();
                if (items.size() % 2) fail("SETITEMS with an odd number of values");
                const uint32_t d = top();
                if (at(d).kind != Kind::Dict) fail("SETITEMS on something that is not a dict");
                at(d).items.insert(at(d).items.end(), items.begin(), items.end());
                return false;
            }
            case 'q': memo_put(u8()); return false;
            case 'r': memo_put(u32()); return false;
            case 0x94: memo_put(memo_.size()); return false;  // MEMOIZE
            case 'h': push(memo_get(u8())); return false;
            case 'j': push(memo_get(u32())); return false;
            case 'c': {  // GLOBAL
                const std::string module = line();
                const std::string name = line();
                push_new(resolve(module, name));
                return false;
            }
            case 0x93: {  // STACK_GLOBAL
                const uint32_t name = pop(), module = pop();
                if (at(name).kind != Kind::Str || at(module).kind != Kind::Str)
                    fail("STACK_GLOBAL of something other than two strings");
                push_new(resolve(at(module).s, at(name).s));
                return false;
            }
            case 'R': {  // REDUCE
                const uint32_t args = pop(), fn = pop();
                push(call(fn, args));
                return false;
            }
            case 0x81: {  // NEWOBJ
                const uint32_t args = pop(), cls = pop();
                if (!is_global(cls, G::OrderedDict) || at(args).kind != Kind::Tuple || !at(args).items.empty())
                    fail("NEWOBJ of '{}' is not allowed", at(cls).kind == Kind::Global ? at(cls).s : "a non-class");
                push_new(make(Kind::Dict));
                return false;
            }
            case 'b': {  // BUILD: state on dicts (state_dict _metadata) and tensors is ignored
                pop();
                const uint32_t obj = top();
                if (at(obj).kind != Kind::Dict && at(obj).kind != Kind::Tensor)
                    fail("BUILD on something other than a dict or a tensor");
                return false;
            }
            case 'Q': {  // BINPERSID
                const uint32_t pid = pop();
                push(persistent_load(pid));
                return false;
            }
            default: break;
        }
        for (const OpName& r : kRefusedOps)
            if (r.op == op)
                fail("refusing opcode {} (0x{:02x}): only tensors and dicts can be loaded", r.name, op);
        fail("unknown pickle opcode 0x{:02x}", op);
    }
};

}  // namespace

Result<Unpickled> load_torch_pickle(std::span<const uint8_t> bytes, const std::string& what) {
    if (bytes.size() > limits::kMaxPickleBytes)
        return make_error("{}: {} bytes exceeds the limit of {}", what, bytes.size(), limits::kMaxPickleBytes);
    try {
        return Machine(bytes, what).run();
    } catch (const Refusal& r) {
        return Error{r.message};
    } catch (const std::bad_alloc&) {
        return make_error("{}: out of memory while reading the pickle", what);
    }
}

}  // namespace qs::io::pickle
