package org.resnetj.data;

/**
 * The share of every batch that one of {@code count} data-parallel processes takes: of n items, the
 * contiguous block [⌊n·index/count⌋, ⌊n·(index+1)/count⌋). The blocks of all indices are disjoint
 * and cover the n items, and their sizes differ by at most one.
 *
 * @param index this process's share, 0 ... count − 1 (its MPI rank)
 * @param count the number of shares (the MPI world size)
 */
public record Shard(int index, int count) {

    /** The whole batch: one process. */
    public static final Shard WHOLE = new Shard(0, 1);

    /** Checks that the index is one of the shares. */
    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException(
                    "shard " + index + " of " + count + " does not exist");
        }
    }

    /** The first item of this share of {@code n} items. */
    public int first(int n) {
        return (int) ((long) n * index / count);
    }

    /** The number of items of this share of {@code n} items. */
    public int size(int n) {
        return (int) ((long) n * (index + 1) / count) - first(n);
    }
}
