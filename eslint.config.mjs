// @ts-check
// ESLint with typescript-eslint's recommended rules (as pulumi-awsx and pulumi-eks lint), without
// type information, so that `npm run lint` takes seconds; Prettier owns the formatting.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["build/", "dist/", "**/node_modules/", "examples/**/bin/", ".ci/node24/", ".stryker-tmp/", "reports/"] },
    { linterOptions: { reportUnusedDisableDirectives: "error" } },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    { languageOptions: { globals: globals.node } },
    {
        rules: {
            // Unused names fail the type check already (noUnusedLocals, noUnusedParameters).
            "@typescript-eslint/no-unused-vars": "off",
        },
    },
    {
        // Tools and tests load compiled programs by path at run time, and tests read rendered
        // manifests, which have no types, field by field.
        files: ["tools/**", "test/**"],
        rules: { "@typescript-eslint/no-require-imports": "off", "@typescript-eslint/no-explicit-any": "off" },
    },
);
