package io.github.azuremi.jdbc.testsupport.tds;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A growable byte buffer with the integer and string encodings TDS uses (little-endian unless named BE). */
final class TdsBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TdsBytes u8(int v) {
        out.write(v & 0xFF);
        return this;
    }

    TdsBytes u16(int v) {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
        return this;
    }

    TdsBytes u16be(int v) {
        out.write((v >>> 8) & 0xFF);
        out.write(v & 0xFF);
        return this;
    }

    TdsBytes u32(int v) {
        u16(v);
        u16(v >>> 16);
        return this;
    }

    TdsBytes u32be(int v) {
        u16be(v >>> 16);
        u16be(v);
        return this;
    }

    TdsBytes u64(long v) {
        u32((int) v);
        u32((int) (v >>> 32));
        return this;
    }

    TdsBytes bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** UTF-16LE text without a length prefix. */
    TdsBytes ucs2(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_16LE));
    }

    /** B_VARCHAR: a one-byte character count, then UTF-16LE. */
    TdsBytes bVarchar(String s) {
        u8(s.length());
        return ucs2(s);
    }

    /** US_VARCHAR: a two-byte character count, then UTF-16LE. */
    TdsBytes usVarchar(String s) {
        u16(s.length());
        return ucs2(s);
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    static int u16be(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }

    static int u32(byte[] b, int off) {
        return u16(b, off) | u16(b, off + 2) << 16;
    }

    static int u32be(byte[] b, int off) {
        return u16be(b, off) << 16 | u16be(b, off + 2);
    }

    /** {@code chars} UTF-16LE characters at {@code off}. */
    static String ucs2(byte[] b, int off, int chars) {
        return new String(b, off, chars * 2, StandardCharsets.UTF_16LE);
    }
}
