/** The {@code resnet} command-line tool and its subcommands. */
package org.resnetj.cli;
