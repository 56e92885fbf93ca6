/**
 * Conformance kits: abstract JUnit 5 classes that implementers of Raftkit's SPIs extend with one
 * factory method to check their implementation against the SPI's obligations.
 */
package dev.raftkit.testkit.tck;
