package io.requestmetrics;
public final class Main { public static void main(String[] a) {} }
