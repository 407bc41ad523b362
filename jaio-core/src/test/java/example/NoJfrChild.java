package example;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import dev.jaio.IoContext;
import dev.jaio.IoEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * jaio in a runtime without module jdk.jfr ({@code dev.jaio.WithoutJfrTest} runs it under
 * {@code --limit-modules java.base,java.logging}): files, contexts, the page cache and the
 * counters work; prints one line.
 */
public final class NoJfrChild {

    private NoJfrChild() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Files.write(Path.of(args[0]), new byte[65536]);
        try (IoEngine e = IoEngine.open(EngineConfig.defaults())) {
            for (FileOption mode : new FileOption[] {FileOption.DIRECT, FileOption.CACHED}) {
                try (AsyncFile f = AsyncFile.open(e, file, FileOption.READ, FileOption.WRITE, mode);
                        IoBuffer b = f.allocateBuffer(4096)) {
                    f.write(b.segment(), 0).join();
                    f.read(b.segment(), 4096).join();
                    f.fsync().join();
                    try (IoContext ctx = e.newContext(2)) {
                        ctx.prepareRead(f, b.segment(), 8192, 1);
                        ctx.submit();
                        int got = 0;
                        while (got < 1) {
                            got += ctx.getEvents(1, 1, 5, TimeUnit.SECONDS, (cookie, result) -> { });
                        }
                    }
                }
            }
            System.out.println("jdk.jfr " + ModuleLayer.boot().findModule("jdk.jfr").isPresent() + ", completed "
                    + e.stats().completed());
        }
    }
}
