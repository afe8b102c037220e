package org.resnetj.data;

/**
 * CIFAR-10 as read from disk: the training set (the five data batches in file order), the test set,
 * and where it came from.
 *
 * @param train the 50,000 training images of the official files (data_batch_1..5.bin, in order)
 * @param test the 10,000 test images (test_batch.bin)
 * @param synthetic true if the source carries the {@code SYNTHETIC} marker that {@link
 *     SyntheticCifar} writes: results on such data must say they are synthetic
 * @param description one line naming the source and its size, for logs and reports
 */
public record Cifar10Data(
        CifarImages train, CifarImages test, boolean synthetic, String description) {}
