// A restricted unpickler for the data.pkl of a torch.save archive: it rebuilds
// dicts, lists, scalars and tensor *descriptions* (storage key, offset, size,
// stride, dtype) and never executes anything. Hand-written because a general
// unpickler runs arbitrary code by design; this one is a small stack machine with
// a fixed opcode set and a fixed list of names it understands (the model is
// torch/_weights_only_unpickler.py), used by core/io/pytorch.cpp.
//
// Pickle stream (protocol 2, as torch.save writes it; 3-5 opcodes also accepted):
//   PROTO 0x80 u8 | ops ... | STOP '.'
//   values:   NONE N, NEWTRUE 0x88, NEWFALSE 0x89, BININT J i32, BININT1 K u8,
//             BININT2 M u16, LONG1 0x8a u8 n + n bytes (n <= 8), BINFLOAT G f64 BE,
//             BINUNICODE X u32 n + UTF-8, SHORT_BINUNICODE 0x8c u8 n, BINUNICODE8 0x8d,
//             SHORT_BINSTRING U u8 n, BINSTRING T i32 n, (SHORT_)BINBYTES C/B
//   build:    MARK (, EMPTY_TUPLE ), TUPLE t, TUPLE1-3 0x85-0x87, EMPTY_LIST ],
//             APPEND a, APPENDS e, EMPTY_DICT }, SETITEM s, SETITEMS u
//   memo:     BINPUT q u8, LONG_BINPUT r u32, MEMOIZE 0x94, BINGET h u8, LONG_BINGET j u32
//   objects:  GLOBAL c "module\nname\n", STACK_GLOBAL 0x93, REDUCE R, BUILD b, NEWOBJ 0x81
//   storage:  BINPERSID Q on ('storage', <Storage type>, key, location, numel)
//   framing:  FRAME 0x95 u64 (ignored)
// GLOBAL resolves only against an allowlist (collections.OrderedDict, torch storage
// types and dtypes, torch._utils._rebuild_tensor_v2/_v3/_rebuild_parameter[_with_state],
// torch._tensor._rebuild_from_type_v2, torch.Size, torch.Tensor, Parameter,
// _codecs.encode); REDUCE calls only those; anything else is refused by name.
#pragma once

#include "core/io/dtype.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qs::io::pickle {

enum class Kind : uint8_t { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor };

// One value of the object graph; containers hold indices into Unpickled::values, so
// shared and even cyclic references (via the memo) are plain indices, never owners.
struct Value {
    Kind kind = Kind::None;
    bool b = false;
    int64_t i = 0;               // Int; Global: its allowlist id; Storage/Tensor: index into their tables
    double f = 0.0;
    DType dtype = DType::U8;     // Global: the element type of a storage type or torch dtype
    std::string s;               // Str, Bytes; Global: "module name"
    std::vector<uint32_t> items; // Tuple, List; Dict: key, value, key, value, ...
};

struct StorageRef {
    std::string key;             // record "data/<key>" in the archive
    DType dtype = DType::U8;     // element type (U8 for UntypedStorage: numel counts bytes)
    uint64_t numel = 0;          // elements of dtype
    std::string location;        // "cpu", "cuda:0", ... (informational)
};

struct TensorRef {
    uint32_t storage = 0;        // index into Unpickled::storages
    DType dtype = DType::F32;
    int64_t offset = 0;          // in elements of dtype
    std::vector<int64_t> size;
    std::vector<int64_t> stride; // in elements, same rank as size
    bool parameter = false;      // was wrapped by _rebuild_parameter
};

struct Unpickled {
    std::vector<Value> values;
    uint32_t root = 0;
    int protocol = 0;
    std::vector<StorageRef> storages;
    std::vector<TensorRef> tensors;
};

// Runs the restricted machine over `bytes`. `what` prefixes messages, e.g.
// "model.pt: data.pkl", giving "model.pt: data.pkl: refusing global 'os system': ...".
Result<Unpickled> load_torch_pickle(std::span<const uint8_t> bytes, const std::string& what);

}  // namespace qs::io::pickle
