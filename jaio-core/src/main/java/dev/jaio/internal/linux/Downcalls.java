package dev.jaio.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Linking and errno plumbing shared by the wrappers of this package.
 *
 * <p>Every handle linked with errno capture takes the capture segment as its first argument. The
 * wrapper passes {@link #callState()}, and reads {@link #errno} from it only when the call failed.
 */
final class Downcalls {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /*
     * One capture segment per thread: the downcall stub stores errno into it right after the native
     * call, and the wrapper reads it back on the same thread, so no other call can intervene. It is
     * allocated once per thread, from an automatic arena so that the segment of a thread that has
     * died (virtual threads come and go by the million) is reclaimed with its ThreadLocal entry.
     */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    /*
     * One iovec per thread for the tries on the caller's thread (Libc.preadv2Try, pwritev2Try): the
     * wrapper fills it and the kernel reads it within the call, on this thread, so no other call can
     * use it meanwhile. Allocated on a thread's first try, reclaimed with its ThreadLocal entry, as
     * STATE: a thread's later tries allocate nothing.
     */
    private static final ThreadLocal<MemorySegment> IOVEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Iovec.IOVEC));

    private Downcalls() {
    }

    /** The calling thread's errno capture segment. */
    static MemorySegment callState() {
        return STATE.get();
    }

    /** The calling thread's one-element iovec array, for a call that reads it before returning. */
    static MemorySegment threadIovec() {
        return IOVEC.get();
    }

    /** The errno the last call on this thread stored into {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** Links a libc function with errno capture; null if libc lacks the symbol. */
    static MethodHandle libc(String symbol, FunctionDescriptor descriptor) {
        return link(symbol, descriptor, CAPTURE_ERRNO);
    }

    /** Links a variadic libc function with errno capture; null if libc lacks the symbol. */
    static MethodHandle libcVariadic(String symbol, FunctionDescriptor descriptor, int firstVariadicArg) {
        return link(symbol, descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadicArg));
    }

    /**
     * Links libc's {@code long syscall(long number, ...)} with the given variadic argument layouts,
     * each of them 8 bytes ({@code JAVA_LONG}, or {@code ADDRESS} for a pointer so that the segment's
     * scope is kept alive across the call). glibc returns -1 and sets errno on failure.
     */
    static MethodHandle syscall(MemoryLayout... args) {
        MemoryLayout[] params = new MemoryLayout[args.length + 1];
        params[0] = JAVA_LONG;
        System.arraycopy(args, 0, params, 1, args.length);
        return link("syscall", FunctionDescriptor.of(JAVA_LONG, params),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    }

    /**
     * Links libc's {@code syscall} like {@link #syscall(MemoryLayout...)} but without errno capture.
     * For the hottest calls: the JDK's capture path slices the capture segment on every call, an
     * allocation that C2 does not always remove. Callers use it only where a failed call changed
     * nothing, so that repeating it on the capturing handle yields the errno.
     */
    static MethodHandle syscallNoErrno(MemoryLayout... args) {
        MemoryLayout[] params = new MemoryLayout[args.length + 1];
        params[0] = JAVA_LONG;
        System.arraycopy(args, 0, params, 1, args.length);
        return link("syscall", FunctionDescriptor.of(JAVA_LONG, params), Linker.Option.firstVariadicArg(1));
    }

    /** Links a libc function that does not report through errno; null if libc lacks the symbol. */
    static MethodHandle libcNoErrno(String symbol, FunctionDescriptor descriptor) {
        return link(symbol, descriptor);
    }

    @SuppressWarnings("restricted") // linking is what this package is for; callers are the wrappers here
    private static MethodHandle link(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        try {
            return LIBC.find(symbol).map(address -> LINKER.downcallHandle(address, descriptor, options)).orElse(null);
        } catch (IllegalCallerException e) {
            // native access denied: say which flag to add (NativeAccess checks first at the entry points)
            throw new IllegalCallerException(NativeAccess.deniedMessage(), e);
        }
    }

    /**
     * For the catch block around {@code invokeExact}: a downcall handle throws no checked exception,
     * so errors and runtime exceptions propagate unchanged and anything else is a bug (jextract's rule).
     */
    static AssertionError unexpected(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new AssertionError("should not reach here", t);
    }

    /** Throws unless {@code segment} is NULL or holds at least {@code bytes} bytes. */
    static void checkNullableSize(MemorySegment segment, long bytes) {
        if (segment.address() != 0L && segment.byteSize() < bytes) {
            throw new IndexOutOfBoundsException("segment of " + segment.byteSize() + " bytes, need " + bytes);
        }
    }
}
