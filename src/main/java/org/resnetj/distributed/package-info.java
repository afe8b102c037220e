/**
 * Data-parallel training over Open MPI: the processes {@code mpirun} starts, the collectives that
 * keep their replicas of the model identical, and which share of the data each one reads.
 */
package org.resnetj.distributed;
