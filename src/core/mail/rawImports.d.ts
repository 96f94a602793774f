// Vite's `?raw` imports let tests in src/core read fixtures without Node's fs
// (which src/core may not import).
declare module '*?raw' {
  const content: string;
  export default content;
}
