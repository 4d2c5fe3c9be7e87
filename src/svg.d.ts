declare module '*.svg' {
  const value: string;
  export default value;
}

declare module '*.md' {
  const value: string;
  export default value;
}

declare module '*.py' {
  const value: string;
  export default value;
}
