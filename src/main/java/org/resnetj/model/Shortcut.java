package org.resnetj.model;

/** The shortcut options of Section 3.3, compared in Table 3. */
public enum Shortcut {
    /** Identity everywhere; zero-padding where the dimensions increase. No parameters. */
    A,
    /** Projections only where the dimensions increase, identity elsewhere. */
    B,
    /** Projections on every shortcut. */
    C
}
