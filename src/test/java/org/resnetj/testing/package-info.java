/**
 * What the tests of every package share: how a test that needs an external reference behaves where
 * it is missing, and the fixtures of tests that compare two ways of running a network.
 */
package org.resnetj.testing;
