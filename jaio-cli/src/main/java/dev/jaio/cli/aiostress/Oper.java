package dev.jaio.cli.aiostress;

import dev.jaio.AsyncFile;
import java.nio.file.Path;

/**
 * The original's io_oper: one file and context, with its own file handle, its window
 * [start, end), and its progress through the current stage. Owned by one worker thread.
 */
final class Oper {

    final Path path;
    final AsyncFile file;
    final long start;
    final long end;
    final int totalIos;
    /** Whether the extend-ordering check applies (a regular file). */
    final boolean regularFile;

    Stage stage;
    int startedIos;
    int numPending;
    long lastOffset;
    boolean stonewalled;
    long startNanos;
    int numErrors;
    long lastError;

    /** Links of the circular list this oper is on (active, built or finished). */
    Oper next;
    Oper prev;

    Oper(Path path, AsyncFile file, long start, long end, int totalIos, boolean regularFile) {
        this.path = path;
        this.file = file;
        this.start = start;
        this.end = end;
        this.totalIos = totalIos;
        this.regularFile = regularFile;
    }

    /** Puts the oper at the beginning of {@code s}, as restart_oper does. */
    void restart(Stage s) {
        stage = s;
        startedIos = 0;
        lastOffset = start;
        stonewalled = false;
    }

    /** MiB submitted in this stage: started_ios x reclen. */
    double mb(long recordSize) {
        return (double) startedIos * recordSize / Sizes.MIB;
    }

    /** The original's oper_list: circular and doubly linked, with a head. */
    static final class List {
        Oper head;

        boolean isEmpty() {
            return head == null;
        }

        /** Appends at the tail. */
        void add(Oper o) {
            if (head == null) {
                head = o;
                o.next = o;
                o.prev = o;
                return;
            }
            o.prev = head.prev;
            o.next = head;
            head.prev.next = o;
            head.prev = o;
        }

        void remove(Oper o) {
            if (o.next == o) {
                head = null;
            } else {
                o.prev.next = o.next;
                o.next.prev = o.prev;
                if (head == o) {
                    head = o.next;
                }
            }
            o.next = null;
            o.prev = null;
        }

        /** The opers in list order (a copy). */
        java.util.List<Oper> toList() {
            java.util.List<Oper> out = new java.util.ArrayList<>();
            if (head != null) {
                Oper o = head;
                do {
                    out.add(o);
                    o = o.next;
                } while (o != head);
            }
            return out;
        }
    }
}
