// Loaded by mocha before any spec (see .mocharc.json).
import 'reflect-metadata';
