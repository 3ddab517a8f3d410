"""A password-protected ZIP writer in pure Python (traditional PKWARE
"ZipCrypto" encryption, deflate compression), standing in for the book's
pyminizip: pyminizip is a C extension that must be compiled for Lambda's
Linux and PyPI is not reachable here, while this is small enough to ship
as source. compress() has pyminizip.compress's signature.

ZipCrypto is what `zip -P` and pyminizip write and every unzip tool reads;
it is weak encryption (the book's "暗号化 ZIP" is this format too).
"""
import os
import struct
import time
import zlib

_CRC = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC.append(_c)


def _crc_byte(crc, b):
    return _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)


class _Cipher:
    def __init__(self, password):
        self.k0, self.k1, self.k2 = 0x12345678, 0x23456789, 0x34567890
        for b in password:
            self._update(b)

    def _update(self, b):
        self.k0 = _crc_byte(self.k0, b)
        self.k1 = (self.k1 + (self.k0 & 0xFF)) & 0xFFFFFFFF
        self.k1 = (self.k1 * 134775813 + 1) & 0xFFFFFFFF
        self.k2 = _crc_byte(self.k2, self.k1 >> 24)

    def encrypt(self, data):
        out = bytearray(len(data))
        for i, b in enumerate(data):
            t = (self.k2 | 2) & 0xFFFF
            out[i] = b ^ (((t * (t ^ 1)) >> 8) & 0xFF)
            self._update(b)
        return bytes(out)


def _dos_time(ts):
    t = time.localtime(ts)
    return ((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
            ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday)


def compress(src, dst, password, level):
    """Writes dst, a ZIP holding the file src (stored under its base name)
    encrypted with password; level 0 is zlib's default, 1-9 as zlib."""
    with open(src, "rb") as f:
        data = f.read()
    name = os.path.basename(src).encode("utf-8")
    crc = zlib.crc32(data) & 0xFFFFFFFF
    c = zlib.compressobj(level if level > 0 else zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    deflated = c.compress(data) + c.flush()
    cipher = _Cipher(password.encode("utf-8"))
    # 12-byte encryption header: random, its last byte the CRC's high byte
    # (what readers check the password against).
    header = os.urandom(11) + bytes([crc >> 24])
    body = cipher.encrypt(header) + cipher.encrypt(deflated)
    mtime, mdate = _dos_time(os.path.getmtime(src))
    flags = 0x1 | 0x800  # encrypted, UTF-8 name
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, mtime, mdate,
                        crc, len(body), len(data), len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, mtime, mdate,
                          crc, len(body), len(data), len(name), 0, 0, 0, 0, 0o100644 << 16, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(body), 0)
    with open(dst, "wb") as f:
        f.write(local + body + central + end)
