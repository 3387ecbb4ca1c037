import { canUseImage, isPublicImage, requireOwnerToChange } from '../../auth/authorize.js';
import type { Session } from '../../auth/session.js';
import type { ImageRecord } from '../../images/image-record.js';
import { IMAGES_DATASTORE, type ImagePermissions, type ImageView } from '../../images/image-view.js';
import type { ApiHandlers } from '../registry.js';
import { ownerNames, type ApiDeps } from './deps.js';

/**
 * OpenNebula's rights as these rules give them: the owner uses and manages
 * the image, the group gets nothing of its own, and everyone uses a public
 * one (an administrator's).
 */
function permissions(image: ImageRecord): ImagePermissions {
  return { owner: 'um-', group: '---', other: isPublicImage(image) ? 'u--' : '---' };
}

type ImageMethod = Extract<keyof ApiHandlers, `image.${string}` | `imagepool.${string}`>;

/**
 * The image API: anyone may create an image (an administrator's is public,
 * anyone else's private); seeing one needs it to be public or one's own,
 * and one the caller may not see is not found, as a missing one;
 * changing or deleting it needs its owner or an administrator; uploading
 * into it, its owner alone (checked by the pool); cloning it, only that the
 * caller sees it. Views carry the owner's names and the datastore.
 */
export function imageHandlers(deps: ApiDeps): Pick<ApiHandlers, ImageMethod> {
  const { images } = deps;
  const views = async (records: readonly ImageRecord[]): Promise<ImageView[]> => {
    const owner = await ownerNames(deps.users);
    return records.map((r) => ({
      ...r,
      ...owner(r.uid),
      datastore: IMAGES_DATASTORE.name,
      datastoreId: IMAGES_DATASTORE.id,
      permissions: permissions(r),
    }));
  };
  const view = async (record: ImageRecord): Promise<ImageView> => (await views([record]))[0] as ImageView;
  /** The image, if the caller may see it (the pool checks: one they may not is not found). */
  const use = (ref: string | number, session: Session): Promise<ImageRecord> => images().ask({ type: 'get', image: ref, session });
  /** …and once the caller may change it. */
  const manage = async (ref: string | number, session: Session): Promise<ImageRecord> => {
    const image = await use(ref, session);
    requireOwnerToChange(session, image.uid, `image ${image.name}`);
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
    'imagepool.info': async (_p, session) => views((await images().ask({ type: 'list' })).filter((i) => canUseImage(session, i))),
    'image.info': async (p, session) => view(await use(p.image, session)),
    'image.upload': (p, session) =>
      images().ask(
        { type: 'upload', id: p.id, uid: session.uid, admin: session.admin, offset: p.offset, data: p.data },
        { timeoutMs: 60_000 },
      ),
    'image.commit': async (p, session) =>
      view(await images().ask({ type: 'commit', id: p.id, uid: session.uid, admin: session.admin, size: p.size }, { timeoutMs: 120_000 })),
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
  };
}
