//! The numbers of the RDB format (rdb.h): version, opcodes, value types,
//! length and string encodings.

/// The RDB version Redis 7.0 writes and the newest it reads (`RDB_VERSION`).
pub const RDB_VERSION: u32 = 10;

// --- Opcodes: a byte where a value type may stand --------------------------

/// 7.0 release-candidate function library (`RDB_OPCODE_FUNCTION`).
pub const OPCODE_FUNCTION: u8 = 246;
/// Function library code (`RDB_OPCODE_FUNCTION2`).
pub const OPCODE_FUNCTION2: u8 = 245;
/// Module auxiliary data (`RDB_OPCODE_MODULE_AUX`).
pub const OPCODE_MODULE_AUX: u8 = 247;
/// LRU idle time of the next key, in seconds (`RDB_OPCODE_IDLE`).
pub const OPCODE_IDLE: u8 = 248;
/// LFU counter of the next key (`RDB_OPCODE_FREQ`).
pub const OPCODE_FREQ: u8 = 249;
/// Auxiliary field: two strings (`RDB_OPCODE_AUX`).
pub const OPCODE_AUX: u8 = 250;
/// Database size hints (`RDB_OPCODE_RESIZEDB`).
pub const OPCODE_RESIZEDB: u8 = 251;
/// Expiry of the next key, unix ms, 8 bytes LE (`RDB_OPCODE_EXPIRETIME_MS`).
pub const OPCODE_EXPIRETIME_MS: u8 = 252;
/// Expiry of the next key, unix seconds, 4 bytes LE (`RDB_OPCODE_EXPIRETIME`).
pub const OPCODE_EXPIRETIME: u8 = 253;
/// Database switch (`RDB_OPCODE_SELECTDB`).
pub const OPCODE_SELECTDB: u8 = 254;
/// End of file, then the CRC64 (`RDB_OPCODE_EOF`).
pub const OPCODE_EOF: u8 = 255;

// --- Value types -----------------------------------------------------------

/// String (`RDB_TYPE_STRING`).
pub const TYPE_STRING: u8 = 0;
/// Linked list of strings, before 3.2 (`RDB_TYPE_LIST`).
pub const TYPE_LIST: u8 = 1;
/// Set as a count and members (`RDB_TYPE_SET`).
pub const TYPE_SET: u8 = 2;
/// Sorted set with text scores, before 4.0 (`RDB_TYPE_ZSET`).
pub const TYPE_ZSET: u8 = 3;
/// Hash as a count and pairs (`RDB_TYPE_HASH`).
pub const TYPE_HASH: u8 = 4;
/// Sorted set with binary scores (`RDB_TYPE_ZSET_2`).
pub const TYPE_ZSET_2: u8 = 5;
/// Module value, old format (`RDB_TYPE_MODULE`).
pub const TYPE_MODULE: u8 = 6;
/// Module value (`RDB_TYPE_MODULE_2`).
pub const TYPE_MODULE_2: u8 = 7;
/// Hash as a zipmap, Redis 2.x (`RDB_TYPE_HASH_ZIPMAP`).
pub const TYPE_HASH_ZIPMAP: u8 = 9;
/// List as one ziplist, before 3.2 (`RDB_TYPE_LIST_ZIPLIST`).
pub const TYPE_LIST_ZIPLIST: u8 = 10;
/// Set as an intset (`RDB_TYPE_SET_INTSET`).
pub const TYPE_SET_INTSET: u8 = 11;
/// Sorted set as a ziplist, before 7.0 (`RDB_TYPE_ZSET_ZIPLIST`).
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
/// Hash as a ziplist, before 7.0 (`RDB_TYPE_HASH_ZIPLIST`).
pub const TYPE_HASH_ZIPLIST: u8 = 13;
/// List as ziplist nodes, 3.2 to 6.2 (`RDB_TYPE_LIST_QUICKLIST`).
pub const TYPE_LIST_QUICKLIST: u8 = 14;
/// Stream, before 7.0 (`RDB_TYPE_STREAM_LISTPACKS`).
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// Hash as a listpack (`RDB_TYPE_HASH_LISTPACK`).
pub const TYPE_HASH_LISTPACK: u8 = 16;
/// Sorted set as a listpack (`RDB_TYPE_ZSET_LISTPACK`).
pub const TYPE_ZSET_LISTPACK: u8 = 17;
/// List as listpack or plain nodes (`RDB_TYPE_LIST_QUICKLIST_2`).
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// Stream (`RDB_TYPE_STREAM_LISTPACKS_2`).
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;

// --- Lengths and string encodings (rdbSaveLen, rdbLoadLenByRef) ------------

/// Top two bits `01`: a 14-bit length in two bytes (`RDB_14BITLEN`).
pub(crate) const LEN_14BIT: u8 = 1;
/// A 32-bit big-endian length follows (`RDB_32BITLEN`).
pub(crate) const LEN_32BIT: u8 = 0x80;
/// A 64-bit big-endian length follows (`RDB_64BITLEN`).
pub(crate) const LEN_64BIT: u8 = 0x81;
/// Top two bits `11`: a special string encoding (`RDB_ENCVAL << 6`).
pub(crate) const ENC_PREFIX: u8 = 0xC0;
/// String stored as an 8-bit integer (`RDB_ENC_INT8`).
pub(crate) const ENC_INT8: u8 = 0;
/// String stored as a 16-bit LE integer (`RDB_ENC_INT16`).
pub(crate) const ENC_INT16: u8 = 1;
/// String stored as a 32-bit LE integer (`RDB_ENC_INT32`).
pub(crate) const ENC_INT32: u8 = 2;
/// LZF-compressed string (`RDB_ENC_LZF`).
pub(crate) const ENC_LZF: u8 = 3;

/// Quicklist node holding one element as it is
/// (`QUICKLIST_NODE_CONTAINER_PLAIN`).
pub(crate) const CONTAINER_PLAIN: u64 = 1;
/// Quicklist node holding a listpack (`QUICKLIST_NODE_CONTAINER_PACKED`).
pub(crate) const CONTAINER_PACKED: u64 = 2;

/// Unsigned integer in module data (`RDB_MODULE_OPCODE_UINT`).
pub(crate) const MODULE_OPCODE_UINT: u64 = 2;
