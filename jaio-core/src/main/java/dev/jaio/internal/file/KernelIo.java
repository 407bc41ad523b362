package dev.jaio.internal.file;

import dev.jaio.FileAdvice;
import dev.jaio.internal.engine.IoOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * I/O through the kernel: O_DIRECT, or the kernel's own page cache. Each request is a
 * {@link FileOp} on the engine's event loop (io_uring, native AIO or the thread pool), made
 * coherent with jaio's cache of the same file by {@link Coherence}. Heap memory goes through a
 * native bounce buffer; jaio buffers are pinned until the kernel is done with them.
 */
final class KernelIo implements FileBackend {

    private final OpenFile file;

    KernelIo(OpenFile file) {
        this.file = file;
    }

    @Override
    public CompletableFuture<Integer> single(int opcode, MemorySegment seg, long position, int ioFlags,
            ByteBuffer advance) {
        boolean isRead = opcode == IoOp.READ;
        MemorySegment target = seg;
        MemorySegment readBack = null;
        if (!seg.isNative()) {
            target = bounce(seg, isRead);
            readBack = isRead ? seg : null;
        }
        FileOp<Integer> f = new FileOp<>(file, opcode, target, null, position, ioFlags, seg.byteSize(),
                ResultKind.INT);
        f.readInto(readBack).advance(advance);
        String op = FileOp.operationName(opcode);
        if (!file.begin()) {
            return CompletableFuture.failedFuture(file.refused(op, position, seg.byteSize()));
        }
        if (seg.isNative()) {
            try {
                f.pin(PinnedMemory.pin(seg, op, file.path(), position, seg.byteSize()));
            } catch (RuntimeException e) {
                file.endOp();
                throw e;
            }
        }
        file.coherence().dispatch(f, position, seg.byteSize(), !isRead);
        return f;
    }

    @Override
    public CompletableFuture<Long> vectored(int opcode, MemorySegment[] segs, long position, long total,
            int ioFlags) {
        String op = FileOp.operationName(opcode);
        PinnedMemory[] pins = new PinnedMemory[segs.length];
        FileOp<Long> f = new FileOp<>(file, opcode, null, segs, position, ioFlags, total, ResultKind.LONG);
        if (!file.begin()) {
            return CompletableFuture.failedFuture(file.refused(op, position, total));
        }
        try {
            for (int i = 0; i < segs.length; i++) {
                pins[i] = PinnedMemory.pin(segs[i], op, file.path(), position, total);
            }
        } catch (RuntimeException e) {
            PinnedMemory.unpinAll(pins);
            file.endOp();
            throw e;
        }
        f.pins(pins);
        file.coherence().dispatch(f, position, total, opcode == IoOp.WRITEV);
        return f;
    }

    @Override
    public CompletableFuture<Void> sync(int opcode) {
        FileOp<Void> f = new FileOp<>(file, opcode, null, null, 0, 0, 0, ResultKind.VOID);
        if (!file.begin()) {
            return CompletableFuture.failedFuture(file.refused(FileOp.operationName(opcode)));
        }
        file.engine().execute(f);
        return f;
    }

    @Override
    public void advise(long offset, long length, FileAdvice advice) {
        // The kernel's posix_fadvise was all of it.
    }

    private MemorySegment bounce(MemorySegment heap, boolean isRead) {
        // The GC frees this once the op, which holds it until completion, is gone.
        MemorySegment nativeCopy = Arena.ofAuto()
                .allocate(Math.max(1, heap.byteSize()), file.alignment().bufferAlignment())
                .asSlice(0, heap.byteSize());
        if (!isRead) {
            MemorySegment.copy(heap, 0, nativeCopy, 0, heap.byteSize());
        }
        return nativeCopy;
    }
}
