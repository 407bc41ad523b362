/**
 * The jaio library: asynchronous Linux file I/O (io_uring, Linux AIO, and a thread-pool fallback)
 * through the Foreign Function &amp; Memory API.
 *
 * <p>Only the API packages are exported: {@code dev.jaio}, {@code dev.jaio.nio} (jaio behind
 * the JDK's channel interfaces) and {@code dev.jaio.loop} (one event loop for files, sockets,
 * pipes and timers: the paper's §9). The native bindings and the I/O engines live
 * in the unexported {@code dev.jaio.internal.*} packages. The module calls restricted FFM methods, so
 * applications grant it native access: {@code java --enable-native-access=dev.jaio ...} on the module
 * path, or {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
module dev.jaio {
    exports dev.jaio;
    exports dev.jaio.nio;
    exports dev.jaio.loop;

    requires static jdk.jfr; // jaio's JFR events (dev.jaio.internal.jfr.Jfr): optional, used when the runtime has it
}
