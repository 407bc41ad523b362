package dev.jaio.cli.aiostress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** The system page size, getpagesize(3)'s value, read from AT_PAGESZ in /proc/self/auxv. */
final class SystemPage {

    private static final long AT_NULL = 0;
    private static final long AT_PAGESZ = 6;
    private static final long SIZE = read();

    private SystemPage() {
    }

    static long size() {
        return SIZE;
    }

    private static long read() {
        try {
            ByteBuffer auxv = ByteBuffer.wrap(Files.readAllBytes(Path.of("/proc/self/auxv")))
                    .order(ByteOrder.nativeOrder());
            while (auxv.remaining() >= 16) { // 64-bit: pairs of unsigned longs
                long type = auxv.getLong();
                long value = auxv.getLong();
                if (type == AT_NULL) {
                    break;
                }
                if (type == AT_PAGESZ && value > 0 && Long.bitCount(value) == 1) {
                    return value;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 4096;
    }
}
