// Koa 2 is installed under the alias `koa2` to test both majors; Koa 3's types describe it closely enough.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
