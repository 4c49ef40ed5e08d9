/**
 * The Pulumi plugin entry point: `pulumi package add` loads this file and infers a schema from
 * the components it exports. npm consumers get the same exports from `dist/index.js`.
 */
export * from "./components";
