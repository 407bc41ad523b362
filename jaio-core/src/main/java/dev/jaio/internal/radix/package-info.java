/**
 * The page cache's index: {@link dev.jaio.internal.radix.RadixTree}, a 64-way radix tree from page
 * index to page whose tags ({@link dev.jaio.internal.radix.Tag}: DIRTY, WRITEBACK, TOWRITE) are kept
 * on every ancestor, so that writeback finds its pages without scanning the file's cached pages.
 * Single-owner data structures: no locks and no memory-ordering protocol here; the page cache
 * serialises access to each tree.
 */
package dev.jaio.internal.radix;
