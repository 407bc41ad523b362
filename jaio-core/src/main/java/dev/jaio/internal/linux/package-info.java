/**
 * Linux bindings: libc and raw-syscall downcalls, kernel struct layouts and constants, for x86_64
 * and aarch64 (both little-endian LP64, which every layout here assumes).
 *
 * <p>Conventions shared by every class in this package:
 * <ul>
 *   <li>Each call wrapper returns a {@code long}: the non-negative result on success, {@code -errno}
 *       on failure, the convention of raw system calls, AIO completions and io_uring CQEs alike.
 *       EINTR is returned, never retried here: only the caller knows whether a retry is safe and
 *       how much of its timeout remains.</li>
 *   <li>Downcall handles are linked once, lazily, in {@code static final} fields of one nested
 *       holder per C symbol (the jextract idiom), with errno captured by
 *       {@code Linker.Option.captureCallState("errno")} into a segment owned by the calling thread.
 *       After a thread's first call, no wrapper allocates.</li>
 *   <li>Buffers are passed to the downcall as segments, so the FFM runtime keeps their scope alive
 *       for the duration of the call. A byte or element count larger than its segment is a caller
 *       bug and throws {@link IndexOutOfBoundsException} before the kernel could write past the
 *       segment's end. Pointers the kernel accepts as NULL accept {@code MemorySegment.NULL}.</li>
 *   <li>A libc symbol that is missing (an old glibc, another OS) or a syscall with no known number
 *       on the running architecture yields {@code -ENOSYS}: loading these classes never fails, so
 *       the library still loads where only its thread engine can run.</li>
 *   <li>Offsets are derived from layouts built from named fields and exported as
 *       {@code public static final long} constants named {@code STRUCT_FIELD}; golden tests pin them
 *       to the numbers of the kernel ABI.</li>
 * </ul>
 */
package dev.jaio.internal.linux;
