package dev.jaio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The child of {@link EngineFallbackTest}: while RLIMIT_NPROC forbids new threads, the shared
 * engine cannot start; each {@link AsyncFile#open(Path, FileOption...)} must fail with an
 * IOException, and once the limit is lifted the next one must succeed. Prints one line per step.
 */
public final class SharedRetryChild {

    /** RLIMIT_NPROC, the same number on x86_64 and aarch64 (asm-generic/resource.h). */
    private static final int RLIMIT_NPROC = 6;

    private SharedRetryChild() {
    }

    public static void main(String[] args) throws Throwable {
        Path file = Path.of(args[0]);
        Files.writeString(file, "hello");
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor fd = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
        MethodHandle getrlimit = linker.downcallHandle(linker.defaultLookup().find("getrlimit").orElseThrow(), fd);
        MethodHandle setrlimit = linker.downcallHandle(linker.defaultLookup().find("setrlimit").orElseThrow(), fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment saved = arena.allocate(16, 8);
            MemorySegment low = arena.allocate(16, 8);
            if ((int) getrlimit.invokeExact(RLIMIT_NPROC, saved) != 0) {
                throw new IllegalStateException("getrlimit failed");
            }
            low.set(JAVA_LONG, 0, 1);
            low.set(JAVA_LONG, 8, saved.get(JAVA_LONG, 8));
            if ((int) setrlimit.invokeExact(RLIMIT_NPROC, low) != 0) {
                throw new IllegalStateException("setrlimit failed");
            }
            for (int i = 1; i <= 2; i++) {
                try (AsyncFile f = AsyncFile.open(file, FileOption.READ)) {
                    System.out.println("attempt" + i + "=opened");
                } catch (Throwable t) {
                    System.out.println("attempt" + i + "=" + t.getClass().getName() + ": " + t.getMessage());
                }
            }
            if ((int) setrlimit.invokeExact(RLIMIT_NPROC, saved) != 0) {
                throw new IllegalStateException("setrlimit failed");
            }
        }
        try (AsyncFile f = AsyncFile.open(file, FileOption.READ)) {
            System.out.println("after=" + f.engine().name() + " size " + f.size());
        }
    }
}
