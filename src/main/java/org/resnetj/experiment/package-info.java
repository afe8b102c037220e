/**
 * The paper's experiments as declarations (the data set, the runs, the recipe, the seeds, what to
 * draw and the paper's own numbers), running them into one directory, and the self-contained HTML
 * report of a run or an experiment.
 */
package org.resnetj.experiment;
