package dev.jaio.internal.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;

/** Offset derivation shared by the layout classes. */
final class Layouts {

    private Layouts() {
    }

    /** Byte offset of the member reached through the named group members {@code path}. */
    static long offset(MemoryLayout layout, String... path) {
        PathElement[] elements = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = PathElement.groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }
}
