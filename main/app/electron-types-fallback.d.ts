// electron is an optional dependency: offline, its install step (a binary download) fails and npm leaves it out,
// types included. Then this untyped declaration lets the rest of the project typecheck. Where the package is
// installed, TypeScript resolves its real types first and this declaration is not used.
declare module 'electron';
