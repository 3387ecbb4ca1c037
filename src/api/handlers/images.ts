import { ownedOf, permsOf, requireRight } from '../../auth/authorize.js';
import { holds } from '../../auth/permissions.js';
import type { Session } from '../../auth/session.js';
import type { ImageRecord } from '../../images/image-record.js';
import { IMAGES_DATASTORE, type ImageView } from '../../images/image-view.js';
import type { ApiHandlers } from '../registry.js';
import type { ApiDeps } from './deps.js';
import { chmodValues, chownTarget, ownershipOf } from './ownership.js';

type ImageMethod = Extract<keyof ApiHandlers, `image.${string}` | `imagepool.${string}`>;

/**
 * The image API: anyone may create an image (an administrator's is public,
 * 604, anyone else's private, 600); seeing, using and cloning one needs the
 * use right by its bits (docs/users.md), and one the caller may not see is
 * not found, as a missing one; changing or deleting it needs the manage
 * right; uploading into it, its owner alone (checked by the pool). Views
 * carry the owner's and group's names, the bits and the datastore.
 */
export function imageHandlers(deps: ApiDeps): Pick<ApiHandlers, ImageMethod> {
  const { images } = deps;
  const views = async (records: readonly ImageRecord[]): Promise<ImageView[]> => {
    const owner = await ownershipOf(deps);
    return records.map((r) => {
      // The view carries the bits as `permissions`, a record without them as permsOf reads it.
      const { perms: _stored, ...rest } = r;
      return {
        ...rest,
        ...owner(r),
        datastore: IMAGES_DATASTORE.name,
        datastoreId: IMAGES_DATASTORE.id,
        permissions: permsOf(r, 'image'),
      };
    });
  };
  const view = async (record: ImageRecord): Promise<ImageView> => (await views([record]))[0] as ImageView;
  /** The image, if the caller may use (see) it (the pool checks: one they may not is not found). */
  const use = (ref: string | number, session: Session): Promise<ImageRecord> => images().ask({ type: 'get', image: ref, session });
  /** …and once the caller may change it. */
  const manage = async (ref: string | number, session: Session): Promise<ImageRecord> => {
    const image = await use(ref, session);
    requireRight(session, ownedOf(image, 'image'), 'manage', 'image', ref);
    return image;
  };
  return {
    'image.allocate': (p, session) =>
      images().ask(
        {
          type: 'allocate',
          name: p.name,
          uid: session.uid,
          gid: session.gid,
          imageType: p.type,
          persistent: p.persistent,
          description: p.description,
          ...(p.size === undefined ? {} : { blank: { sizeMb: p.size, format: p.format ?? 'raw' } }),
        },
        { timeoutMs: 60_000 },
      ),
    'imagepool.info': async (_p, session) =>
      views((await images().ask({ type: 'list' })).filter((i) => holds(session, ownedOf(i, 'image'), 'use'))),
    'image.info': async (p, session) => view(await use(p.image, session)),
    'image.upload': (p, session) =>
      images().ask(
        { type: 'upload', id: p.id, uid: session.uid, gid: session.gid, admin: session.admin, offset: p.offset, data: p.data },
        { timeoutMs: 60_000 },
      ),
    'image.commit': async (p, session) =>
      view(
        await images().ask(
          { type: 'commit', id: p.id, uid: session.uid, gid: session.gid, admin: session.admin, size: p.size },
          { timeoutMs: 120_000 },
        ),
      ),
    'image.delete': async (p, session) => images().ask({ type: 'delete', id: (await manage(p.image, session)).id }),
    'image.persistent': async (p, session) =>
      view(await images().ask({ type: 'persistent', id: (await manage(p.image, session)).id, persistent: p.persistent })),
    'image.enable': async (p, session) =>
      view(await images().ask({ type: 'enable', id: (await manage(p.image, session)).id, enable: p.enable })),
    'image.rename': async (p, session) =>
      view(await images().ask({ type: 'rename', id: (await manage(p.image, session)).id, name: p.name })),
    // Read access to the source is enough (the pool finds it as image.info does); the copy is the caller's.
    'image.clone': (p, session) =>
      images().ask({
        type: 'clone',
        image: p.image,
        session,
        name: p.name,
        ...(p.datastore === undefined ? {} : { datastore: p.datastore }),
      }),
    'image.chtype': async (p, session) =>
      view(await images().ask({ type: 'chtype', id: (await manage(p.image, session)).id, imageType: p.type })),
    'image.update': async (p, session) =>
      view(
        await images().ask({
          type: 'update',
          id: (await manage(p.image, session)).id,
          template: p.template,
          append: p.append,
          admin: session.admin,
        }),
      ),
    // The new owner and group first, as OpenNebula's; the pool checks the rights against the image as it is.
    'image.chown': async (p, session) => {
      const target = await chownTarget(deps, session, p);
      const { id } = await use(p.id, session);
      return view(await images().ask({ type: 'chown', id, who: session, ...target }));
    },
    'image.chmod': async (p, session) => {
      const { id } = await use(p.id, session);
      return view(await images().ask({ type: 'chmod', id, who: session, values: chmodValues(p) }));
    },
  };
}
