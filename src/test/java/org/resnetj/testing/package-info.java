/**
 * What the tests of every package share: how a test that needs an external reference behaves where
 * it is missing.
 */
package org.resnetj.testing;
