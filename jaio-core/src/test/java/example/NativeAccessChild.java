package example;

import dev.jaio.AsyncFile;
import dev.jaio.FileOption;
import dev.jaio.IoEngine;
import dev.jaio.nio.JaioFileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An application of jaio's, in a package of its own so that it can run beside module
 * {@code dev.jaio} on the module path: opens jaio seven ways and prints how each went, one line
 * each ({@code dev.jaio.NativeAccessTest} runs it in a JVM that denies native access).
 */
public final class NativeAccessChild {

    private NativeAccessChild() {
    }

    interface Attempt {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path file = Files.writeString(Path.of(args[0]), "x");
        List<Attempt> attempts = List.of(
                () -> IoEngine.open().close(),
                () -> AsyncFile.open(file, FileOption.READ).close(),
                () -> JaioFileChannel.open(file).close(),
                IoEngine::shared,
                () -> dev.jaio.SystemInfo.kernelRelease(),
                () -> dev.jaio.SystemInfo.fileSystem(file),
                () -> {
                    throw new IllegalCallerException(IoEngine.autoChoice().detail()); // a status, not a throw: its text
                });
        for (Attempt a : attempts) {
            try {
                a.run();
                System.out.println("opened");
            } catch (Throwable e) {
                System.out.println(e.getClass().getName() + ": " + e.getMessage());
            }
        }
    }
}
