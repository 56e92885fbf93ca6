/**
 * Plug-ins as a third party would write them, against raft-api and the JDK only: a file-backed
 * log store ({@code file}) and a transport decorator that counts and delays messages
 * ({@code counting-delay}), both registered in {@code META-INF/services} of the test resources.
 */
package dev.raftkit.it.thirdparty;
